"""``Authorization: Token <key>`` for systems and scripts (docs/api.md)."""
import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .actions import token_hash
from .models import ApiToken

# Recording every use would turn each API read into a write; a minute's precision is enough.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        # One query, token with its user, on every request: no cache, so that revoking a token or
        # deactivating its user takes effect at once. get(), not first(): key_hash is unique, and
        # first() would order by the model's created_at for nothing. Not the user's department:
        # the walls need only its id, and the join was a fifth of a list request's time.
        try:
            token = ApiToken.objects.select_related("user").get(
                key_hash=token_hash(key), revoked_at__isnull=True, user__is_active=True
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
