"""The manager's view: dashboard, daily figures, lists, exports and the look-back."""
