"""The licences a company must obtain and keep: checklist, steps, trips, notices."""
