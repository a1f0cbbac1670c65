"""The calendar page's one form: make the person's calendar address (a new one replaces the old)."""

from django import forms


class FeedMakeForm(forms.Form):
    """Sent by the page's button: a request without it changes nothing."""

    make = forms.BooleanField(required=True, widget=forms.HiddenInput)
