"""The item bank and its scoring keys, as versioned, validated data.

Knows nothing of the project's other packages and does no I/O at import.
"""

from instrument.loader import (
    InstrumentError,
    build_instrument,
    builtin_refs,
    load_builtin,
    load_instrument,
    parse_instrument,
)
from instrument.model import Composite, Instrument, Item, ResponseScale, Scale

__all__ = [
    "Composite",
    "Instrument",
    "InstrumentError",
    "Item",
    "ResponseScale",
    "Scale",
    "build_instrument",
    "builtin_refs",
    "load_builtin",
    "load_instrument",
    "parse_instrument",
]
