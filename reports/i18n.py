"""Every word the reports print that does not come from the instrument, in each language.

Scale names and descriptions come from the instrument; everything else (headings, explanations,
profile descriptions, month names) lives here, so a translator works in one file. Each language
has exactly the same keys; a test holds them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

PROFILES = ("integrated", "community-led", "hierarchy-led", "disengaged")
"""The four HA × VA profiles, in the order the reports list them."""

_EN: dict[str, str] = {
    "report_title": "Team report",
    "organisation_report_title": "Organisation report",
    "department": "Department",
    "campaign": "Campaign",
    "organisation": "Organisation",
    "respondents": "Respondents",
    "invited": "Invited",
    "response_rate": "Response rate",
    "of_invited": "of {invited} invited",
    "date": "Date",
    "page": "Page",
    "page_of": "of",
    "hidden_reason": "not shown: fewer than {n} answered",
    "about_title": "About this report",
    "about_body": (
        "This report describes how the members of your team answered a survey on how they "
        "work and learn together. It describes; it does not grade. A higher score is not "
        "better in itself: each scale says how strongly people recognise a way of working, "
        "and the useful question is what that means for your team."
    ),
    "about_privacy": (
        "Answers are anonymous. A figure is shown only when at least {n} people answered, "
        "and the other teams appear only as anonymous points."
    ),
    "about_ci": (
        "Numbers in square brackets are 95 % confidence intervals: the range within which "
        "the score would probably fall if other, similar people had answered."
    ),
    "scores_title": "Scale scores",
    "scores_intro": (
        "Each row shows your team's mean score and the mean of the rest of the organisation, "
        "on the response scale from {low} (strongly disagree) to {high} (strongly agree). "
        "Lines show 95 % confidence intervals; the dashed line marks the middle of the scale."
    ),
    "scores_diff_note": (
        "The difference is your team's mean minus the rest of the organisation's. When its "
        "interval does not include zero, the difference is unlikely to be due to chance "
        "alone; it is still a description, not a verdict."
    ),
    "scores_table_title": "The scores in numbers",
    "scores_alt": (
        "Chart: the team's mean on each scale beside the rest of the organisation's, with "
        "95 % confidence intervals. The table that follows gives the numbers."
    ),
    "plane_alt": (
        "Chart: the team placed by its horizontal and vertical accountability, with its "
        "confidence intervals, among the other teams shown as anonymous points."
    ),
    "organisation_scores_alt": (
        "Chart: the organisation's mean on each scale with its 95 % confidence interval."
    ),
    "profiles_alt": "Chart: each team placed by its horizontal and vertical accountability.",
    "this_team": "This team",
    "rest_of_organisation": "Rest of the organisation",
    "organisation_mean": "Organisation",
    "scale": "Scale",
    "n": "n",
    "team_mean": "Team",
    "rest_mean": "Rest of org.",
    "difference": "Difference",
    "mean": "Mean",
    "sd": "SD",
    "level_team": "about the team",
    "level_individual": "about the person",
    "plane_title": "Horizontal and vertical accountability",
    "plane_intro": (
        "Accountability runs along two planes: to peers and the practice they share "
        "(horizontal), and up the hierarchy (vertical). The lines at {mid} divide the plane "
        "into four profiles. Neither plane is better than the other, and no profile is the "
        "right one: each brings its own strengths and its own blind spots."
    ),
    "plane_your_team": "Your team",
    "plane_other_teams": "Other teams (anonymous)",
    "plane_placement": "Profile",
    "plane_certain": (
        "The confidence intervals stay inside one quadrant: this placement is clear."
    ),
    "plane_uncertain": (
        "This placement is uncertain: the confidence interval crosses a dividing line, so "
        "your team could equally be read as belonging to a neighbouring profile."
    ),
    "plane_not_shown": (
        "Your team cannot be placed on this plane: its horizontal or vertical accountability "
        "score is not shown."
    ),
    "plane_question": "A question to discuss",
    "profile.integrated": "integrated",
    "profile.community-led": "community-led",
    "profile.hierarchy-led": "hierarchy-led",
    "profile.disengaged": "disengaged",
    "profile_text.integrated": (
        "Members feel answerable both to each other and up the hierarchy. The two planes of "
        "accountability are both present. Whether they inform each other is another matter: "
        "the transversality score speaks to that."
    ),
    "profile_text.community-led": (
        "Members feel answerable to each other and to the practice they share more than up "
        "the hierarchy. Work organised this way can hold a great deal of learning that the "
        "hierarchy does not see."
    ),
    "profile_text.hierarchy-led": (
        "Members feel answerable up the hierarchy — to decisions, rules, targets — more than "
        "to each other. Work organised this way can be well coordinated while leaving the "
        "team few standards of its own making."
    ),
    "profile_text.disengaged": (
        "Members feel answerable neither strongly to each other nor strongly up the "
        "hierarchy. This describes where accountability is felt, not how well people work."
    ),
    "profile_question.integrated": "Where do the two planes meet, and who makes them meet?",
    "profile_question.community-led": (
        "What does the team know that should be visible above it, and through whom?"
    ),
    "profile_question.hierarchy-led": (
        "Where do members hold each other to account for the quality of their practice?"
    ),
    "profile_question.disengaged": "To whom, and to what, do members feel answerable?",
    "appendix_title": "Appendix: how far the numbers can be trusted",
    "appendix_intro": (
        "These statistics say how consistently the scales measured in this campaign and how "
        "far a team score can be read as a property of the team. The thresholds are "
        "conventions of the research literature, not laws: a value just below one does not "
        "make a score wrong, and a value above one does not make it right."
    ),
    "reliability": "Reliability",
    "agreement": "Agreement",
    "item_count": "Items",
    "alpha": "Alpha",
    "alpha_ci": "95 % CI",
    "omega": "Omega",
    "icc1": "ICC(1)",
    "icc2": "ICC(2)",
    "rwg_team": "your team",
    "rwg_median": "median of teams",
    "name_alpha": "Cronbach's alpha (reliability)",
    "explain_alpha": (
        "How consistently people answer the items of a scale, over the whole organisation. "
        "By convention {threshold} or more is taken as enough to compare groups. Alpha rises "
        "with the number of items and assumes every item weighs the same: a rough guide."
    ),
    "name_omega": "McDonald's omega (reliability)",
    "explain_omega": (
        "The same idea, estimated from a one-factor model without assuming that the items "
        "weigh the same. It is read on the same scale as alpha."
    ),
    "name_icc1": "ICC(1) (differences between teams)",
    "explain_icc1": (
        "The share of the differences between people that lies between teams. In "
        "organisations it is often between 0.05 and 0.20; there is no pass mark."
    ),
    "name_icc2": "ICC(2) (reliability of team means)",
    "explain_icc2": (
        "How reliably team means tell teams apart. By convention {threshold} or more; it "
        "grows with team size, so with small teams lower values are common and team means "
        "are best compared with care."
    ),
    "name_rwg": "rwg(j) (agreement within a team)",
    "explain_rwg": (
        "How closely the members of a team agree, compared with answers given at random. By "
        "convention {threshold} or more supports reading a team score as shared. It matters "
        "most for scales about the team; for scales about the person a team score is an "
        "average and need not reflect agreement. It can overstate agreement when everyone "
        "leans the same way for other reasons."
    ),
    "marker_note": "† below the conventional threshold.",
    "contents": "Contents",
    "about_organisation": (
        "This report describes how the organisation's teams answered a survey on how they "
        "work and learn together. It describes; it does not grade: no score and no profile "
        "is the right one. Each team with enough respondents receives its own report."
    ),
    "heat_missing": "– not shown: fewer than {n} answered.",
    "participation_title": "Participation",
    "participation_intro": (
        "Teams with fewer than {n} respondents do not receive a report and are not shown "
        "separately; their answers still count in the organisation's figures."
    ),
    "team": "Team",
    "status": "Status",
    "status_reported": "receives a report",
    "suppressed_too_few": "{respondents} respondents, fewer than the minimum of {n}",
    "teams_reported": "Teams with a report",
    "teams_suppressed": "Teams without a report",
    "heat_title": "Team means by scale",
    "heat_intro": (
        "Each cell is a team's mean score on a scale ({low} to {high}); darker cells are "
        "higher. Colour shows strength of agreement, not quality."
    ),
    "organisation_scores_title": "Organisation scores",
    "organisation_scores_intro": (
        "The organisation's mean on each scale, with its 95 % confidence interval, from "
        "every respondent including those in teams without a report."
    ),
    "profiles_title": "Profiles of the teams",
    "profiles_intro": (
        "Each point is a team with a report, placed by its horizontal and vertical "
        "accountability. A placement is uncertain when its confidence interval crosses a "
        "dividing line."
    ),
    "profile": "Profile",
    "teams": "Teams",
    "of_which_uncertain": "of which uncertain",
    "uncertain": "uncertain",
    "months": (
        "January February March April May June July August September October November December"
    ),
}

_FR: dict[str, str] = {
    "report_title": "Rapport d'équipe",
    "organisation_report_title": "Rapport d'organisation",
    "department": "Département",
    "campaign": "Campagne",
    "organisation": "Organisation",
    "respondents": "Répondants",
    "invited": "Invités",
    "response_rate": "Taux de réponse",
    "of_invited": "sur {invited} invités",
    "date": "Date",
    "page": "Page",
    "page_of": "sur",
    "hidden_reason": "non affiché : moins de {n} réponses",
    "about_title": "À propos de ce rapport",
    "about_body": (
        "Ce rapport décrit la manière dont les membres de votre équipe ont répondu à une "
        "enquête sur leur façon de travailler et d'apprendre ensemble. Il décrit ; il ne note "
        "pas. Un score plus élevé n'est pas meilleur en soi : chaque échelle dit avec quelle "
        "force les personnes reconnaissent une façon de travailler, et la question utile est "
        "ce que cela signifie pour votre équipe."
    ),
    "about_privacy": (
        "Les réponses sont anonymes. Un chiffre n'est affiché que si au moins {n} personnes "
        "ont répondu, et les autres équipes n'apparaissent que comme des points anonymes."
    ),
    "about_ci": (
        "Les nombres entre crochets sont des intervalles de confiance à 95 % : la plage où "
        "le score se situerait probablement si d'autres personnes semblables avaient répondu."
    ),
    "scores_title": "Scores par échelle",
    "scores_intro": (
        "Chaque ligne montre le score moyen de votre équipe et celui du reste de "
        "l'organisation, sur l'échelle de réponse de {low} (pas du tout d'accord) à {high} "
        "(tout à fait d'accord). Les traits montrent les intervalles de confiance à 95 % ; la "
        "ligne pointillée marque le milieu de l'échelle."
    ),
    "scores_diff_note": (
        "L'écart est la moyenne de votre équipe moins celle du reste de l'organisation. "
        "Quand son intervalle ne contient pas zéro, l'écart n'est probablement pas dû au seul "
        "hasard ; il reste une description, pas un verdict."
    ),
    "scores_table_title": "Les scores en chiffres",
    "scores_alt": (
        "Graphique : la moyenne de l'équipe sur chaque échelle à côté de celle du reste de "
        "l'organisation, avec les intervalles de confiance à 95 %. Le tableau qui suit donne "
        "les chiffres."
    ),
    "plane_alt": (
        "Graphique : l'équipe placée selon sa redevabilité horizontale et verticale, avec ses "
        "intervalles de confiance, parmi les autres équipes montrées comme points anonymes."
    ),
    "organisation_scores_alt": (
        "Graphique : la moyenne de l'organisation sur chaque échelle avec son intervalle de "
        "confiance à 95 %."
    ),
    "profiles_alt": (
        "Graphique : chaque équipe placée selon sa redevabilité horizontale et verticale."
    ),
    "this_team": "Cette équipe",
    "rest_of_organisation": "Reste de l'organisation",
    "organisation_mean": "Organisation",
    "scale": "Échelle",
    "n": "n",
    "team_mean": "Équipe",
    "rest_mean": "Reste de l'org.",
    "difference": "Écart",
    "mean": "Moyenne",
    "sd": "É.-T.",
    "level_team": "porte sur l'équipe",
    "level_individual": "porte sur la personne",
    "plane_title": "Redevabilité horizontale et verticale",
    "plane_intro": (
        "La redevabilité s'exerce sur deux plans : envers les pairs et la pratique qu'ils "
        "partagent (horizontal), et envers la hiérarchie (vertical). Les lignes à {mid} "
        "divisent le plan en quatre profils. Aucun plan ne vaut mieux que l'autre, et aucun "
        "profil n'est le bon : chacun a ses forces et ses angles morts."
    ),
    "plane_your_team": "Votre équipe",
    "plane_other_teams": "Autres équipes (anonymes)",
    "plane_placement": "Profil",
    "plane_certain": (
        "Les intervalles de confiance restent dans un seul quadrant : ce placement est net."
    ),
    "plane_uncertain": (
        "Ce placement est incertain : l'intervalle de confiance franchit une ligne de "
        "partage, et votre équipe pourrait aussi bien relever d'un profil voisin."
    ),
    "plane_not_shown": (
        "Votre équipe ne peut pas être placée sur ce plan : son score de redevabilité "
        "horizontale ou verticale n'est pas affiché."
    ),
    "plane_question": "Une question à discuter",
    "profile.integrated": "intégré",
    "profile.community-led": "porté par la communauté",
    "profile.hierarchy-led": "porté par la hiérarchie",
    "profile.disengaged": "en retrait",
    "profile_text.integrated": (
        "Les membres se sentent redevables à la fois les uns envers les autres et envers la "
        "hiérarchie. Les deux plans de redevabilité sont présents. Qu'ils se nourrissent l'un "
        "l'autre est une autre question : le score de transversalité en parle."
    ),
    "profile_text.community-led": (
        "Les membres se sentent redevables les uns envers les autres et envers la pratique "
        "qu'ils partagent plus qu'envers la hiérarchie. Un travail ainsi organisé peut porter "
        "beaucoup d'apprentissage que la hiérarchie ne voit pas."
    ),
    "profile_text.hierarchy-led": (
        "Les membres se sentent redevables envers la hiérarchie — décisions, règles, "
        "objectifs — plus que les uns envers les autres. Un travail ainsi organisé peut être "
        "bien coordonné tout en laissant à l'équipe peu de normes qu'elle se soit données."
    ),
    "profile_text.disengaged": (
        "Les membres ne se sentent fortement redevables ni les uns envers les autres ni "
        "envers la hiérarchie. Cela décrit où la redevabilité est ressentie, non la qualité "
        "du travail."
    ),
    "profile_question.integrated": "Où les deux plans se rejoignent-ils, et qui les relie ?",
    "profile_question.community-led": (
        "Que sait l'équipe qui devrait être visible au-dessus d'elle, et par qui ?"
    ),
    "profile_question.hierarchy-led": (
        "Où les membres se tiennent-ils mutuellement responsables de la qualité de leur pratique ?"
    ),
    "profile_question.disengaged": (
        "Envers qui, et envers quoi, les membres se sentent-ils redevables ?"
    ),
    "appendix_title": "Annexe : quelle confiance accorder aux chiffres",
    "appendix_intro": (
        "Ces statistiques indiquent avec quelle cohérence les échelles ont mesuré dans cette "
        "campagne, et dans quelle mesure un score d'équipe peut être lu comme une propriété "
        "de l'équipe. Les seuils sont des conventions de la littérature, non des lois : une "
        "valeur juste en dessous ne rend pas un score faux, une valeur au-dessus ne le rend "
        "pas juste."
    ),
    "reliability": "Fidélité",
    "agreement": "Accord",
    "item_count": "Items",
    "alpha": "Alpha",
    "alpha_ci": "IC à 95 %",
    "omega": "Oméga",
    "icc1": "ICC(1)",
    "icc2": "ICC(2)",
    "rwg_team": "votre équipe",
    "rwg_median": "médiane des équipes",
    "name_alpha": "Alpha de Cronbach (fidélité)",
    "explain_alpha": (
        "La cohérence avec laquelle les personnes répondent aux items d'une échelle, sur "
        "toute l'organisation. Par convention, {threshold} ou plus est jugé suffisant pour "
        "comparer des groupes. Alpha augmente avec le nombre d'items et suppose que tous les "
        "items pèsent autant : c'est un repère approximatif."
    ),
    "name_omega": "Oméga de McDonald (fidélité)",
    "explain_omega": (
        "La même idée, estimée à partir d'un modèle à un facteur sans supposer que les items "
        "pèsent autant. Il se lit sur la même échelle qu'alpha."
    ),
    "name_icc1": "ICC(1) (différences entre équipes)",
    "explain_icc1": (
        "La part des différences entre personnes qui se situe entre équipes. Dans les "
        "organisations elle est souvent comprise entre 0,05 et 0,20 ; il n'y a pas de seuil "
        "de réussite."
    ),
    "name_icc2": "ICC(2) (fiabilité des moyennes d'équipe)",
    "explain_icc2": (
        "La fiabilité avec laquelle les moyennes d'équipe distinguent les équipes. Par "
        "convention, {threshold} ou plus ; il croît avec la taille des équipes, si bien "
        "qu'avec de petites équipes des valeurs plus basses sont courantes et les moyennes "
        "se comparent avec prudence."
    ),
    "name_rwg": "rwg(j) (accord au sein d'une équipe)",
    "explain_rwg": (
        "Le degré d'accord entre les membres d'une équipe, comparé à des réponses données au "
        "hasard. Par convention, {threshold} ou plus permet de lire un score d'équipe comme "
        "partagé. Il compte surtout pour les échelles qui portent sur l'équipe ; pour celles "
        "qui portent sur la personne, un score d'équipe est une moyenne et n'a pas à refléter "
        "un accord. Il peut surestimer l'accord quand tout le monde penche du même côté pour "
        "d'autres raisons."
    ),
    "marker_note": "† sous le seuil conventionnel.",
    "contents": "Sommaire",
    "about_organisation": (
        "Ce rapport décrit la manière dont les équipes de l'organisation ont répondu à une "
        "enquête sur leur façon de travailler et d'apprendre ensemble. Il décrit ; il ne note "
        "pas : aucun score et aucun profil n'est le bon. Chaque équipe ayant assez de "
        "répondants reçoit son propre rapport."
    ),
    "heat_missing": "– non affiché : moins de {n} réponses.",
    "participation_title": "Participation",
    "participation_intro": (
        "Les équipes de moins de {n} répondants ne reçoivent pas de rapport et ne sont pas "
        "montrées séparément ; leurs réponses comptent dans les chiffres de l'organisation."
    ),
    "team": "Équipe",
    "status": "Statut",
    "status_reported": "reçoit un rapport",
    "suppressed_too_few": "{respondents} répondants, moins que le minimum de {n}",
    "teams_reported": "Équipes avec un rapport",
    "teams_suppressed": "Équipes sans rapport",
    "heat_title": "Moyennes des équipes par échelle",
    "heat_intro": (
        "Chaque case est le score moyen d'une équipe sur une échelle ({low} à {high}) ; les "
        "cases plus foncées sont plus élevées. La couleur montre la force de l'accord, pas "
        "une qualité."
    ),
    "organisation_scores_title": "Scores de l'organisation",
    "organisation_scores_intro": (
        "La moyenne de l'organisation sur chaque échelle, avec son intervalle de confiance à "
        "95 %, calculée sur toutes les réponses, y compris celles des équipes sans rapport."
    ),
    "profiles_title": "Profils des équipes",
    "profiles_intro": (
        "Chaque point est une équipe avec un rapport, placée selon sa redevabilité "
        "horizontale et verticale. Un placement est incertain quand son intervalle de "
        "confiance franchit une ligne de partage."
    ),
    "profile": "Profil",
    "teams": "Équipes",
    "of_which_uncertain": "dont incertains",
    "uncertain": "incertain",
    "months": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ),
}


def _french_spacing(text: str) -> str:
    """French puts a space before ; : ? ! and %; a no-break one keeps the sign on its line."""
    for mark in (";", ":", "?", "!", "%"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text


TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(_EN),
        "fr": MappingProxyType({key: _french_spacing(text) for key, text in _FR.items()}),
    }
)
"""UI strings by language, then by key."""

LANGUAGES = tuple(TEXTS)


def texts_for(language: str) -> Mapping[str, str]:
    """The UI strings of ``language``; ``ValueError`` names the supported ones otherwise."""
    try:
        return TEXTS[language]
    except KeyError:
        raise ValueError(
            f"language {language!r}: reports are available in {', '.join(LANGUAGES)}"
        ) from None
