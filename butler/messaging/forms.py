"""Forms of the messages between a company and its butler: shape and clear refusals, no saving."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from butler.messaging.services import MAX_FILES, attachments_check

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to ``MAX_FILES`` files in one field; each is checked by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(MultipleFileField, self).clean(file, initial) for file in files]
        return attachments_check([file for file in files if file])


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Photos or PDF files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("PDF, JPG or PNG; at most %(count)d files of %(size)s each.") % {
            "count": MAX_FILES,
            "size": filesizeformat(settings.BUTLER_ATTACHMENT_MAX_BYTES),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("files"):
            self.add_error(None, ValidationError(_("Your message is kept below; choose the files again.")))
        return cleaned


class ThreadStartForm(MessageForm):
    subject = forms.CharField(label=_("Subject"), max_length=120)
    field_order = ["subject", "body", "files"]
