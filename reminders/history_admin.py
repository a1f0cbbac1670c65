"""The admin base of every model with a history (in the lowest app, so that every app's admin may use it).

django-simple-history's history page looks the object up with the id from the URL as it came; an id that is
not a number for the model's key (``/admin/companies/company/abc/history/``) raised an error instead of a
page. This base answers such an id as Django's own admin pages do: back to the admin's start page with
"… doesn't exist. Perhaps it was deleted?".
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin as BaseSimpleHistoryAdmin


class SimpleHistoryAdmin(BaseSimpleHistoryAdmin):
    """simple_history's admin, refusing an id that cannot be the model's key like the change page does."""

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)
