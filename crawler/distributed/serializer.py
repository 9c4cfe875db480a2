"""How scrapy-redis stores our requests in Redis: pickle (the only format that carries a request's meta as
it is: redirect hops with their bytes), read back by an unpickler that builds only plain data and the item
classes a request's meta may hold. Whoever can write to Redis can then put wrong requests in the queue, but
cannot make a worker run code (plain ``pickle.loads`` would let them). Use as ``SCHEDULER_SERIALIZER``.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

ALLOWED = {
    ("crawler.pipeline.items", "Hop"),
    ("crawler.pipeline.items", "NotFoundSample"),
    ("crawler.pipeline.items", "Connection"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
}


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"a queued request may not contain {module}.{name}")
        return super().find_class(module, name)


def loads(data: bytes) -> Any:
    return _Restricted(io.BytesIO(data)).load()


def dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
