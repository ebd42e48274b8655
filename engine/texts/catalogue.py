"""Reading gettext catalogues: a .po file becomes a dict keyed by (msgctxt, msgid).

The .po files are read as they are (Babel's reader), so nothing compiled is kept in the
repository and a translator's change shows at the next start."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("nn", "nb", "en")  # Nynorsk first: the county writes Nynorsk
DEFAULT_LANGUAGE = "nn"

Key = tuple[str | None, str]


def read(path: Path) -> dict[Key, str]:
    """The translated entries of one catalogue; an empty or fuzzy one counts as missing."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return _read(path, stat.st_mtime_ns, stat.st_size)


# Keyed by the file's change time too, so an edited catalogue is read again; bounded, because
# a deploy by upload checks a fresh copy of the workflows folder each time.
@lru_cache(maxsize=512)
def _read(path: Path, _mtime: int, _size: int) -> dict[Key, str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        (message.context, message.id): message.string
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)  # a plural entry's id and string are tuples
        and message.string
        and not message.fuzzy
    }


def language(lang: str | None) -> str:
    """`lang` when it is one of ours, else Nynorsk."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE
