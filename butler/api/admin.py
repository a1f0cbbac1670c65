"""The integrations' tokens, made and revoked in the admin, and what the approval system sent."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from butler.api.models import ApiToken, ApprovalCase, ApprovalEvent, Scope
from butler.api.tokens import token_make, token_revoke
from reminders.history_admin import SimpleHistoryAdmin


class TokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["name", "user", "scopes", "rate"]


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """A token is made here with its key shown once; it is revoked, never edited into another."""

    form = TokenForm
    list_display = ["name", "prefix", "user", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["revoked_at"]
        return ["name", "user", "scopes", "rate", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = token_make(
            actor=request.user,
            name=form.cleaned_data["name"],
            user=form.cleaned_data["user"],
            scopes=form.cleaned_data["scopes"],
            rate=form.cleaned_data.get("rate") or "",
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("The key of “%(name)s”, shown this once — give it to the integration now: %(key)s")
            % {"name": token.name, "key": key},
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the chosen tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(actor=request.user, token=token)
        messages.success(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
        )


class ReadOnly(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalCase)
class ApprovalCaseAdmin(ReadOnly):
    list_display = ["number", "licence", "applied_at", "created_at"]
    search_fields = ["number", "licence__company__name", "licence__company__credit_code"]
    list_select_related = ["licence__company", "licence__licence_type"]


@admin.register(ApprovalEvent)
class ApprovalEventAdmin(ReadOnly):
    list_display = [
        "received_at",
        "event_id",
        "case",
        "kind",
        "occurred_at",
        "outcome",
        "status_after",
        "token",
    ]
    list_filter = ["kind", "outcome"]
    search_fields = ["event_id", "case__number"]
    list_select_related = ["case", "token"]
