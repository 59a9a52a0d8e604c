"""URLs in canonical form (scheme and host lower-cased), for indicator checks and matching."""


def canonical_url(text: str) -> str:
    scheme, _, rest = text.partition("://")
    host_end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            host_end = min(host_end, found)
    host = rest[:host_end]
    user, at, hostport = host.rpartition("@")
    return f"{scheme.lower()}://{user}{at}{hostport.lower()}{rest[host_end:]}"
