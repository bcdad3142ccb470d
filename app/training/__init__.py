"""training domain: employers' demands, schools' classes, workers' enrolments."""
