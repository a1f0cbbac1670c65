"""The fleet's calendar: every vehicle's and person's periodic obligations, what is due when, and vehicles
leaving the fleet."""
