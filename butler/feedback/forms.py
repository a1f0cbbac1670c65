"""Forms of the feedback a company gives: a rating on the five-level scale, and a suggestion.

They check shape and say what is wrong; ``butler.feedback.ratings`` decides what may be rated and saves.
"""

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from butler.feedback.models import RatingTag, Stars, Suggestion
from companies.models import Company, CompanyLicence, Contact, LicenceType

STARS_REQUIRED = _("Choose from one to five stars.")
DIMENSIONS = (
    ("efficiency", _("Efficiency")),
    ("service_level", _("Service level")),
    ("attitude", _("Attitude")),
)


class StarsField(forms.TypedChoiceField):
    """One to five stars as radio buttons, very satisfied first."""

    def __init__(self, *, required: bool, **kwargs):
        super().__init__(
            choices=Stars.choices,
            coerce=int,
            empty_value=None,
            required=required,
            widget=forms.RadioSelect,
            error_messages={"required": STARS_REQUIRED, "invalid_choice": STARS_REQUIRED},
            **kwargs,
        )


class RatingForm(forms.Form):
    overall = StarsField(required=True, label=_("How satisfied are you overall?"))
    efficiency = StarsField(required=False, label=_("Efficiency"))
    service_level = StarsField(required=False, label=_("Service level"))
    attitude = StarsField(required=False, label=_("Attitude"))
    comment = forms.CharField(
        label=_("Anything you want to tell us"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        error_messages={"max_length": _("Keep the comment within 1,000 characters.")},
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("What went well, or what went wrong?"),
        queryset=RatingTag.objects.filter(active=True),
        required=False,
        error_messages={
            "invalid_choice": _("Tick only the tags offered."),
            "invalid_pk_value": _("Tick only the tags offered."),
        },
    )

    def tag_groups(self) -> list:
        """The tags offered, what went well first."""
        tags = list(self.fields["tags"].queryset)
        return [
            (label, [tag for tag in tags if tag.polarity == value])
            for value, label in RatingTag.Polarity.choices
            if any(tag.polarity == value for tag in tags)
        ]

    def chosen_tags(self) -> list[str]:
        return [str(value) for value in (self["tags"].value() or [])]

    def dimensions(self) -> list:
        """The optional dimensions as bound fields, for the fold-out part of the form."""
        return [self[name] for name, _label in DIMENSIONS]


class LicenceTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LicenceType) -> str:
        return obj.name


class SuggestionForm(forms.Form):
    """A suggestion from the portal; the butler's form adds who said it."""

    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=Suggestion.Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the suggestion is about.")},
    )
    text = forms.CharField(
        label=_("Your suggestion"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        error_messages={
            "required": _("Write the suggestion in a sentence or two."),
            "max_length": _("Keep the suggestion within 2,000 characters."),
        },
    )
    licence_type = LicenceTypeChoiceField(
        label=_("Licence it concerns"),
        queryset=LicenceType.objects.none(),
        required=False,
        empty_label=_("None in particular"),
        help_text=_("Your company's licences come first."),
    )

    own_licences_label = _("Your company's licences")

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["licence_type"]
        types = LicenceType.objects.annotate(
            own=Exists(CompanyLicence.objects.filter(company=company, licence_type=OuterRef("pk")))
        ).order_by("-own", "position", "code")
        field.queryset = types
        own = [(t.pk, t.name) for t in types if t.own]
        others = [(t.pk, t.name) for t in types if not t.own]
        if own:
            field.choices = [
                ("", field.empty_label),
                (self.own_licences_label, own),
                (_("All other licence types"), others),
            ]
        else:
            field.choices = [("", field.empty_label), *others]


class RecordedSuggestionForm(SuggestionForm):
    """A suggestion the butler heard in person, optionally naming who said it."""

    contact = forms.ModelChoiceField(
        label=_("Who said it"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("The company (no one in particular)"),
    )
    field_order = ["contact", "category", "text", "licence_type"]
    own_licences_label = _("The company's licences")

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["contact"].queryset = company.contacts.all()
        self.fields["text"].label = _("What the company suggested")
        self.fields["licence_type"].help_text = _("The company's licences come first.")
