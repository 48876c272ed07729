"""The local AWS stand-in: moto's server (same arguments as `moto_server`), corrected
where the toolkit depends on a documented AWS behaviour that moto does not have.

- Cognito UpdateUserPool: moto rebuilds the pool's settings from the request alone,
  so the username attributes (email as the user name) vanish with any update. Real
  Cognito never changes them after creation, and UpdateUserPool has no member to send
  them in (the toolkit sends only what the API's model accepts), so they are kept here.

Nothing else is changed; every test and `make local-up` use this launcher.
"""
import sys

from moto.cognitoidp import models as cognito_models
from moto.server import main

IMMUTABLE_POOL_SETTINGS = ("UsernameAttributes", "UsernameConfiguration", "AliasAttributes")

_moto_update = cognito_models.CognitoIdpUserPool.update_extended_config


def _update_keeping_immutable(self, extended_config):
    before = getattr(self, "extended_config", None) or {}
    kept = {k: before[k] for k in IMMUTABLE_POOL_SETTINGS if k in before}
    _moto_update(self, extended_config)
    self.extended_config.update(kept)


cognito_models.CognitoIdpUserPool.update_extended_config = _update_keeping_immutable

if __name__ == "__main__":
    sys.exit(main())
