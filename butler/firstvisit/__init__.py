"""The first visit: a company's first matter at the window, which makes its butler."""
