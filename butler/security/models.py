"""Sessions that know their user, so that every session of one user can be ended at once.

Django's database sessions keep the user inside the encoded data only; this table (the session engine
``butler.security.session_store``) also keeps the user's id in an indexed column. Deactivating a butler or a
user deletes their rows with one indexed query — no scan of the session table, no check per request.
It has no history: it changes on every sign-in and records nobody's action.
"""

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(AbstractBaseSession):
    # Not a foreign key: a session may outlive (for a moment) the user it names, and must never fail to save.
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "butler_user_session"
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        # butler.security.session_store looks this model up: a model and its store refer to each other.
        from butler.security.session_store import SessionStore

        return SessionStore
