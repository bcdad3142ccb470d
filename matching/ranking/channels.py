"""Hard rules every path applies the same way: the legal age, and which vacancy channels a preference admits."""

from __future__ import annotations

import numpy as np

from matching.features import CHANNEL_NAMES

LEGAL_AGE = 16
CHANNELS = CHANNEL_NAMES
PREFERENCES = ("any", *CHANNELS)
# Which vacancy channels each preference admits (hard rule). "nearby" admits the home county too.
_ADMITS = {
    "any": (True, True, True),
    "cross_region": (True, False, False),
    "local": (False, True, False),
    "nearby": (False, True, True),
}
ADMIT_TABLE = np.array([_ADMITS[p] for p in PREFERENCES])  # preference x vacancy channel -> admitted
# After going home (widen_local) a cross-region-minded worker is shown local and nearby jobs too; a worker who
# asked for local or nearby work is never shown a channel they excluded.
WIDENED_ADMIT_TABLE = ADMIT_TABLE.copy()
WIDENED_ADMIT_TABLE[PREFERENCES.index("cross_region")] = True
PREF_CHANNEL = np.array([-1] + [CHANNELS.index(p) for p in PREFERENCES[1:]])  # the channel each preference names


def admitted_channels(preference: str | None) -> tuple[str, ...]:
    """The vacancy channels a channel preference admits (an unknown one admits all, as "any" does)."""
    admits = _ADMITS.get(str(preference), _ADMITS["any"])
    return tuple(channel for channel, ok in zip(CHANNELS, admits, strict=True) if ok)


def preference_index(preference: object) -> int:
    """Index into PREFERENCES; anything unknown (None, NaN, a typo) counts as "any", as the hard rule does."""
    text = str(preference)
    return PREFERENCES.index(text) if text in PREFERENCES else 0


def channel_agrees(preference: np.ndarray | int, channel: np.ndarray) -> np.ndarray:
    """1.0 where the vacancy's channel is the one the worker prefers, or they said any (indices, broadcast)."""
    preference = np.asarray(preference)
    return np.where(preference == 0, 1.0, (np.asarray(channel) == PREF_CHANNEL[preference]).astype(float))
