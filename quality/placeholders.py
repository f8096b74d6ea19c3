"""Placeholder names: what a clerk or a form writes where it does not know the name.

``Baby Girl``, ``Unknown``, ``Mr``, ``Resident``, ``Daughter of`` in a name field name
no one. Taken for names they do harm: two records of one person, one with ``Sister`` for
her given name, look like two people, and a golden customer called ``Unknown`` is worse
than one without a given name. The default suite sets such values aside as field issues
(``placeholder_given_name``, ``placeholder_family_name``); the record goes on without
them.

Only words that are not also people's names are listed: ``Son``, ``Man`` and ``Boy``
are given names too, ``Na`` and ``Nil`` as well (``n/a`` with its slash is listed);
``Doe``, ``Person`` and ``Parent`` are family names, so family names are held to words
that only ever stand for a missing one. A single letter is an initial, not a
placeholder.
"""

from __future__ import annotations

_MISSING = (
    r"unknown|unk|not known|n/a|none|null|no name|noname|not given|not stated"
    r"|anonymous|anon|test|refused|declined|don'?t know"
)
_PEOPLE = (
    r"baby|baby boy|baby girl|infant|newborn|child|kid|minor|girl|male|female|adult"
    r"|(?:adult|male|female) (?:male|female|child)|woman|person|resident|occupant"
    r"|respondent|householder|tenant|owner|friend|roommate"
)
_RELATIONS = (
    r"daughter|husband|wife|spouse|partner|mother|father|mom|mum|dad|parent"
    r"|brother|sister|grandson|granddaughter|grandchild|nephew|niece|cousin"
)
_ADDRESS = r"mr|mrs|ms|miss|mister|madam|sir|lady|gentleman|senor|senora|señor|señora"
_OF = r"(?:\s+(?:of|in)(?:\s+the)?(?:\s+(?:house|home|household))?)?"

PLACEHOLDER_GIVEN_NAME_REGEX = rf"(?i)^(?:{_MISSING}|{_PEOPLE}|{_RELATIONS}|{_ADDRESS}){_OF}\.?$"
"""A given name that only stands for one not known (``Baby Girl``, ``Lady of the``)."""

PLACEHOLDER_FAMILY_NAME_REGEX = (
    rf"(?i)^(?:{_MISSING}|no last name|last name|surname|household|householder|resident"
    r"|occupant|respondent|of the house|lady of the house|man of the house)\.?$"
)
"""A family name that only stands for one not known (``Unknown``, ``Household``)."""
