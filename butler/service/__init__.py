"""The butler service itself: staff, service periods and their card, access and roles, reminder rules."""
