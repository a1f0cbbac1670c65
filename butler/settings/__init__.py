"""Settings: ``base`` reads the environment (production and development); ``test`` is for the suite."""
