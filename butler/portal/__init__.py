"""The company's portal: home, licences, reminders and the invitation that opens it."""
