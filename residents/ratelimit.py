"""A fixed-window rate limit kept in the cache (Redis in production), per client IP."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

# (requests, seconds) per client IP; override in settings as RESIDENTS_RATE_LIMITS.
DEFAULT_LIMITS = {
    "concern_submit": (5, 3600),
    "concern_lookup": (20, 600),
}


def client_ip(request) -> str:
    """The client's address, trusting exactly PROXY_COUNT reverse proxies in front of us."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _limits(name: str) -> tuple[int, int]:
    return getattr(settings, "RESIDENTS_RATE_LIMITS", {}).get(name, DEFAULT_LIMITS[name])


def allow(request, name: str) -> bool:
    """Count one request; False once the IP used up its allowance for the window."""
    limit, window = _limits(name)
    ip_hash = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"residents:rl:{name}:{ip_hash}"
    try:
        if cache.add(key, 1, timeout=window):
            return True
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return True
    except Exception:  # the cache is unreachable: do not turn residents away
        return True
    return count <= limit
