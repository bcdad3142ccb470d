"""Rights protection cases (权益保障): wage arrears, contract disputes, injuries, followed on working-day clocks."""
