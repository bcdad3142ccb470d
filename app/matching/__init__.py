"""matching domain: ranked vacancies for a worker, ranked candidates for a vacancy, training and evaluation."""
