"""Feedback and improvement (flow 5 of the service): ratings and suggestions from companies, the audit of
every bad rating and suggestion, and the improvement actions that come of them.

- ``ratings`` — what a contact may rate, giving a rating or a suggestion (both immutable), and the
  invitations to rate.
- ``cases`` — the audit life cycle with its working-day deadlines, and who may take which step.
- ``improvements`` — improvement actions and the material counts of the catalogue over time.
- ``reminding`` — the reminder engine's view of invitations and case deadlines.
- ``selectors`` — what each user may see of all this.
"""
