"""Given names and the short forms their owners type into forms.

The names listed here are also mixed into the name pools (see ``pools``), so
that nicknames turn up at a realistic rate whatever Faker's own lists hold.
"""

from __future__ import annotations

from typing import Final

#: Given name → nicknames, per country code; the first is the most common.
NICKNAMES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "US": {
        "William": ("Bill", "Will", "Billy"),
        "Robert": ("Bob", "Rob", "Bobby"),
        "James": ("Jim", "Jimmy"),
        "Michael": ("Mike",),
        "Richard": ("Rick", "Dick"),
        "Thomas": ("Tom", "Tommy"),
        "Christopher": ("Chris",),
        "Joseph": ("Joe",),
        "Daniel": ("Dan", "Danny"),
        "Anthony": ("Tony",),
        "Katherine": ("Kate", "Kathy", "Katie"),
        "Elizabeth": ("Liz", "Beth", "Betty"),
        "Margaret": ("Maggie", "Peggy"),
        "Jennifer": ("Jen", "Jenny"),
        "Patricia": ("Pat", "Trish"),
        "Rebecca": ("Becky",),
        "José": ("Pepe",),
    },
    "GB": {
        "William": ("Bill", "Will"),
        "Edward": ("Ted", "Ed"),
        "Robert": ("Rob", "Bob"),
        "Charles": ("Charlie",),
        "Alexander": ("Alex", "Sandy"),
        "Jonathan": ("Jon", "Jonny"),
        "Katherine": ("Kate", "Katie"),
        "Elizabeth": ("Liz", "Lizzie", "Beth"),
        "Margaret": ("Maggie", "Meg"),
        "Victoria": ("Vicky", "Tori"),
        "Rebecca": ("Becky",),
        "Samantha": ("Sam",),
    },
    "DE": {
        "Hans": ("Hansi",),
        "Johannes": ("Hannes", "Jo"),
        "Wolfgang": ("Wolfi",),
        "Alexander": ("Alex",),
        "Maximilian": ("Max",),
        "Christoph": ("Chris",),
        "Matthias": ("Matze", "Matti"),
        "Stefanie": ("Steffi",),
        "Franziska": ("Franzi",),
        "Katharina": ("Kathi", "Katja"),
        "Elisabeth": ("Lisa", "Sissi"),
        "Susanne": ("Susi",),
        "Jürgen": ("Jürgi",),
    },
    "ES": {
        "Francisco": ("Paco", "Curro", "Pancho"),
        "José": ("Pepe",),
        "Manuel": ("Manolo",),
        "Ignacio": ("Nacho",),
        "Enrique": ("Quique",),
        "Jesús": ("Chus", "Chucho"),
        "Alejandro": ("Álex", "Alex"),
        "Dolores": ("Lola",),
        "Concepción": ("Concha",),
        "Guadalupe": ("Lupe",),
        "Mercedes": ("Merche",),
        "Rosario": ("Charo",),
    },
    "NO": {
        "Karianne": ("Kari",),
        "Kristoffer": ("Kris",),
        "Magnus": ("Mange",),
        "Alexander": ("Alex",),
        "Kristian": ("Kris",),
        "Elisabeth": ("Lisa", "Beth"),
        "Margrethe": ("Grete",),
        "Ingeborg": ("Inge",),
        "Katrine": ("Kat",),
        "Håkon": ("Haakon",),
    },
}

#: The women's names among the keys above (the rest are men's).
FEMALE_NAMES: Final = frozenset(
    {
        "Katherine",
        "Elizabeth",
        "Margaret",
        "Jennifer",
        "Patricia",
        "Rebecca",
        "Victoria",
        "Samantha",
        "Stefanie",
        "Franziska",
        "Katharina",
        "Elisabeth",
        "Susanne",
        "Dolores",
        "Concepción",
        "Guadalupe",
        "Mercedes",
        "Rosario",
        "Karianne",
        "Margrethe",
        "Ingeborg",
        "Katrine",
    }
)


def nickname_table(country: str) -> dict[str, tuple[str, ...]]:
    """Given name → nicknames for ``country`` (empty when it has none)."""
    return NICKNAMES.get(country, {})
