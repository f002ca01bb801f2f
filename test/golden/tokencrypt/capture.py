#!/usr/bin/python3
"""Prints the known answers test/unit/test_keystone.c (test_tokencrypt_known_answers) checks,
computed with keystonemiddleware's own _memcache_crypt (Debian: python3-keystonemiddleware;
run with /usr/bin/python3). The ENCRYPT entry has a random IV: a new run prints another one,
which decrypts the same."""
from keystonemiddleware.auth_token import _memcache_crypt as mc

BODY = b'{"token": {"user": {"id": "u1"}, "expires_at": "2099-01-01T00:00:00Z"}}'
for strategy in ("MAC", "ENCRYPT"):
    keys = mc.derive_keys("tok-abc", "s3cret", strategy)
    print(strategy, "cache_key", keys["CACHE_KEY"].hex(), "mac", keys["MAC"].hex(),
          "enc", keys["ENCRYPTION"].hex())
    print(strategy, "memcached key", "tokens/" + mc.get_cache_key(keys).decode())
    entry = mc.protect_data(keys, BODY)
    assert mc.unprotect_data(keys, entry) == BODY
    print(strategy, "entry", entry.decode())
