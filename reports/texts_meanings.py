"""What each scale's scores describe, and a question per scale for the team to discuss.

Paraphrased from the construct brief (``CONSTRUCTS.md``), after Wenger's social learning theory:
the texts describe a way of working and never grade it. Keys are the instrument's scale and
composite ids; each language has exactly the same keys (a test holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_MEANINGS_EN = {
    "HA": (
        "How answerable members feel to each other and to the practice they share: taking part "
        "in joint work, negotiating what matters to each other, holding standards the group set "
        "itself, being recognised by peers. It is real accountability, not friendliness. A high "
        "score says this plane is strongly felt; it says nothing about the other one."
    ),
    "VA": (
        "How answerable members feel up a hierarchy: to managers' decisions, the allocation of "
        "resources, rules and policies, targets and metrics, prescribed procedures and audits. "
        "It is not a measure of good or bad management: a high score says this plane is strongly "
        "felt."
    ),
    "TR": (
        "Whether the two planes see each other: contributions to peers are made visible to "
        "managers, managers learn from what the team knows, metrics and conversations inform "
        "each other, someone bridges the two. A low score can describe two structures that "
        "work side by side without meeting."
    ),
    "EN": (
        "Identity built by doing things with others: joint activity, conversation, making and "
        "using shared tools and documents. A high score says members locate themselves mainly "
        "through what they do together."
    ),
    "IM": (
        "Identity built by picturing oneself as part of communities one cannot meet (all those "
        "who share one's profession, the organisation as a whole), by reflecting on one's place "
        "and imagining other possibilities."
    ),
    "AL": (
        "Identity built by coordinating one's action with a wider frame (standards, plans, "
        "laws, the organisation's goals) as a two-way negotiation rather than mere compliance."
    ),
    "LC": (
        "The overall score over the five facets below: how far people invest their identity, "
        "time and attention in raising the learning capability of the systems they take part in."
    ),
    "LC_MEM": "Contributing to the communities one belongs to.",
    "LC_BRO": ("Bridging a boundary between practices, using one's membership in several of them."),
    "LC_CON": "Seeing that a community is needed and calling it into being.",
    "LC_CNX": ("Linking someone (a newcomer, a client) to a community that will help them learn."),
    "LC_TRV": ("Linking the vertical and horizontal structures where they are disjointed."),
    "ME": (
        "Dense relations of doing things together, where knowing how to give and receive help "
        "matters more than knowing everything oneself."
    ),
    "JE": (
        "The team has negotiated its own understanding of what it is there to do, and holds its "
        "members to it."
    ),
    "SR": (
        "Routines, words, tools, stories and ways of doing things that the team built and reuses."
    ),
}

_MEANINGS_FR = {
    "HA": (
        "À quel point les membres se sentent redevables les uns envers les autres et envers la "
        "pratique qu'ils partagent : prendre part au travail commun, négocier ce qui compte pour "
        "chacun, tenir des normes que le groupe s'est données, être reconnu par ses pairs. C'est "
        "une vraie redevabilité, non de la sympathie. Un score élevé dit que ce plan est "
        "fortement ressenti ; il ne dit rien de l'autre."
    ),
    "VA": (
        "À quel point les membres se sentent redevables envers une hiérarchie : décisions des "
        "responsables, allocation des ressources, règles et politiques, objectifs et "
        "indicateurs, procédures prescrites et audits. Ce n'est pas une mesure de bon ou de "
        "mauvais management : un score élevé dit que ce plan est fortement ressenti."
    ),
    "TR": (
        "Si les deux plans se voient : les contributions aux pairs sont rendues visibles aux "
        "responsables, les responsables apprennent de ce que sait l'équipe, indicateurs et "
        "conversations se nourrissent, quelqu'un relie les deux. Un score bas peut décrire deux "
        "structures qui fonctionnent côte à côte sans se rencontrer."
    ),
    "EN": (
        "Une identité construite en faisant avec d'autres : activité commune, conversation, "
        "outils et documents produits et utilisés ensemble. Un score élevé dit que les membres "
        "se situent surtout par ce qu'ils font ensemble."
    ),
    "IM": (
        "Une identité construite en se représentant membre de communautés qu'on ne peut pas "
        "rencontrer (tous ceux qui partagent son métier, l'organisation entière), en "
        "réfléchissant à sa place et en imaginant d'autres possibles."
    ),
    "AL": (
        "Une identité construite en coordonnant son action avec un cadre plus large (normes, "
        "plans, lois, objectifs de l'organisation), comme une négociation dans les deux sens "
        "plutôt qu'une simple conformité."
    ),
    "LC": (
        "Le score d'ensemble des cinq facettes ci-dessous : à quel point chacun investit son "
        "identité, son temps et son attention pour accroître la capacité d'apprentissage des "
        "systèmes auxquels il prend part."
    ),
    "LC_MEM": "Contribuer aux communautés auxquelles on appartient.",
    "LC_BRO": (
        "Faire le pont entre des pratiques, en s'appuyant sur son appartenance à plusieurs "
        "d'entre elles."
    ),
    "LC_CON": "Voir qu'une communauté manque et la faire naître.",
    "LC_CNX": (
        "Mettre quelqu'un (un nouveau venu, un client) en lien avec une communauté qui l'aidera "
        "à apprendre."
    ),
    "LC_TRV": "Relier les structures verticale et horizontale là où elles sont disjointes.",
    "ME": (
        "Des relations denses de travail en commun, où savoir donner et recevoir de l'aide "
        "compte plus que tout savoir soi-même."
    ),
    "JE": (
        "L'équipe a négocié sa propre compréhension de ce qu'elle est là pour faire, et y tient "
        "ses membres."
    ),
    "SR": (
        "Les routines, mots, outils, histoires et façons de faire que l'équipe a construits et "
        "réutilise."
    ),
}

_QUESTIONS_EN = {
    "HA": "What do we expect of each other, and how do we say so when it falls short?",
    "VA": "Which demands from above shape our work most, and which do we discuss?",
    "TR": "What do we know that those above us should see, and who carries it to them?",
    "EN": "What do we make or do together that we could not do alone?",
    "IM": "Which wider communities do we feel part of, beyond this team?",
    "AL": "Which goals or standards do we coordinate with, and do we have a say in them?",
    "LC": "Who among us helps the groups we belong to learn, and how do we support them?",
    "LC_MEM": "What do we each bring to the communities we belong to?",
    "LC_BRO": "Who crosses boundaries to other practices, and what do they bring back?",
    "LC_CON": "Is there a community missing that someone among us could bring together?",
    "LC_CNX": "How do newcomers find the people who will help them learn?",
    "LC_TRV": "Where do the hierarchy and the team's practice miss each other?",
    "ME": "Who do we turn to for help, and who turns to us?",
    "JE": "How would each of us say what this team is there to do?",
    "SR": "Which of our routines, words or tools would a newcomer need to learn first?",
}

_QUESTIONS_FR = {
    "HA": "Qu'attendons-nous les uns des autres, et comment le disons-nous quand ça manque ?",
    "VA": (
        "Quelles exigences venues d'en haut façonnent le plus notre travail, et lesquelles "
        "discutons-nous ?"
    ),
    "TR": "Que savons-nous que nos responsables devraient voir, et qui le leur porte ?",
    "EN": "Que faisons-nous ensemble que nous ne pourrions pas faire seuls ?",
    "IM": "À quelles communautés plus vastes nous sentons-nous appartenir, au-delà de l'équipe ?",
    "AL": (
        "Avec quels objectifs ou normes nous coordonnons-nous, et avons-nous notre mot à y dire ?"
    ),
    "LC": (
        "Qui parmi nous aide les groupes auxquels nous appartenons à apprendre, et comment le "
        "soutenons-nous ?"
    ),
    "LC_MEM": "Qu'apporte chacun de nous aux communautés auxquelles il appartient ?",
    "LC_BRO": "Qui franchit les frontières vers d'autres pratiques, et qu'en rapporte-t-il ?",
    "LC_CON": "Manque-t-il une communauté que l'un de nous pourrait réunir ?",
    "LC_CNX": (
        "Comment les nouveaux venus trouvent-ils les personnes qui les aideront à apprendre ?"
    ),
    "LC_TRV": "Où la hiérarchie et la pratique de l'équipe se manquent-elles ?",
    "ME": "Vers qui nous tournons-nous pour de l'aide, et qui se tourne vers nous ?",
    "JE": "Comment chacun de nous dirait-il ce que l'équipe est là pour faire ?",
    "SR": (
        "Lesquels de nos routines, mots ou outils un nouveau venu devrait-il apprendre d'abord ?"
    ),
}


def _french_spacing(text: str) -> str:
    for mark in (";", ":", "?", "!", "%"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text


MEANINGS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(_MEANINGS_EN),
        "fr": MappingProxyType({k: _french_spacing(v) for k, v in _MEANINGS_FR.items()}),
    }
)
"""What a scale's scores describe, by language then scale id."""

QUESTIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(_QUESTIONS_EN),
        "fr": MappingProxyType({k: _french_spacing(v) for k, v in _QUESTIONS_FR.items()}),
    }
)
"""A question per scale for the team to discuss, by language then scale id."""
