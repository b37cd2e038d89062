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
    "validity_title": "Instrument validity report",
    "validity_source": "Data",
    "validity_analysed": "Respondents analysed",
    "validity_excluded": "Excluded as careless",
    "validity_summary_title": "Summary",
    "validity_summary_intro": (
        "This report asks whether the survey measures, in this sample, what it is meant to: "
        "whether the items of each scale are answered consistently, form one factor of their "
        "own, and mean the same thing across groups. A scale that does not hold together gives "
        "scores that mix several things or mostly noise: its means and differences should then "
        "be read with caution, or not at all."
    ),
    "validity_hold": "Scales that hold together in this sample",
    "validity_not_hold": "Scales that do not, and why",
    "validity_none": "none",
    "validity_concern.no_reliability": "reliability could not be estimated",
    "validity_concern.low_alpha": "alpha below the .70 convention: the items agree too little",
    "validity_concern.no_cfa": "the one-factor model could not be fitted",
    "validity_concern.poor_fit": "one factor does not describe the items well (CFI or SRMR)",
    "validity_concern.split": "its items spread over several factors",
    "validity_concern.merged": "its items share a factor with another scale",
    "validity_quality_title": "Data quality",
    "validity_quality_intro": (
        "Before any other check, respondents who answered without reading are screened out. "
        "Each rule flags a pattern; only the rules marked 'exclude' remove a respondent, the "
        "others only warn. {excluded} of {respondents} respondents were excluded; the following"
        " sections rest on the other {analysed}."
    ),
    "validity_rule": "Rule",
    "validity_threshold": "Threshold",
    "validity_action": "Action",
    "validity_flagged": "Flagged",
    "validity_excluded_by": "Excluded by it",
    "validity_rule.longstring": "Same answer in a row (share of the items)",
    "validity_rule.irv": "Little variation in the answers (SD)",
    "validity_rule.mahalanobis": "Unusual pattern (Mahalanobis p)",
    "validity_rule.reverse_disagreement": "Contradicts reversed items (points)",
    "validity_action.exclude": "exclude",
    "validity_action.warn": "warn",
    "validity_reliability_title": "Reliability",
    "validity_reliability_intro": (
        "Cronbach's alpha and McDonald's omega say how consistently the items of a scale are "
        "answered. By convention, .70 is acceptable and .80 good for comparing groups; these "
        "are conventions, not laws. The weakest item is the one that correlates least with the "
        "rest of its scale (r.drop)."
    ),
    "validity_weakest": "Weakest item (r.drop)",
    "validity_structure_title": "Structure",
    "validity_efa_intro": (
        "An exploratory factor analysis of all {items} items, with the number of factors chosen"
        " by parallel analysis, looks for the structure in the answers without being told the "
        "scales. It found {found} factors; the instrument intends {intended} scales. KMO = "
        "{kmo} (sampling adequacy; above .80 is conventionally good), Bartlett p = {p}."
    ),
    "validity_efa_failed": "The exploratory factor analysis could not be run: {reason}.",
    "validity_main_factor": "Main factor",
    "validity_share_on_main": "Items on it",
    "validity_factor_count": "Factors",
    "validity_shares_with": "Shares it with",
    "validity_cfa_intro": (
        "A confirmatory factor analysis fits each scale as one factor of its own items. Each "
        "scale is fitted on its own, because such a model uses only respondents who answered "
        "every item in it: one model of all the items would keep too few of them. The team-"
        "level scales of a module are also fitted together, to test that they are distinct. Hu "
        "and Bentler's conventions are CFI and TLI of .95 or more, RMSEA of .06 or less and "
        "SRMR of .08 or less: conventions, not laws. A 3-item scale has 0 degrees of freedom "
        "and fits perfectly by construction."
    ),
    "validity_model": "Model",
    "validity_block": "together",
    "validity_agreement_title": "Agreement within teams",
    "validity_agreement_intro": (
        "A team score makes sense when members of a team answer alike. ICC(1) is the share of "
        "the variance that lies between teams; ICC(2) is the reliability of a team's mean (.70 "
        "by convention); rwg(j) is the agreement within a team, here its median over teams (.70"
        " by convention)."
    ),
    "validity_agreement_missing": "Agreement was not assessed: {reason}.",
    "validity_teams_count": "Teams",
    "validity_rwg_median": "Median rwg(j)",
    "validity_invariance_title": "Comparability across groups",
    "validity_invariance_intro": (
        "Measurement invariance asks whether a scale means the same thing in each group "
        "({group}). Only when it holds at the scalar level can the groups' means be compared."
    ),
    "validity_invariance_none": (
        "No grouping was given: comparability across groups was not tested."
    ),
    "validity_group": "Groups",
    "validity_verdict": "Verdict",
    "validity_verdict.scalar": "means can be compared across groups",
    "validity_verdict.metric": "relations can be compared, means cannot",
    "validity_verdict.configural": "same structure, but neither means nor relations comparable",
    "validity_verdict.none": "the scale does not have the same structure in every group",
    "validity_not_tested": "not tested: {reason}",
    "validity_methods_title": "Methods",
    "validity_methods_body": (
        "Careless respondents: longest run of identical answers, within-person SD, Mahalanobis "
        "distance and reversed-item disagreement (Curran 2016). Reliability: Cronbach's alpha "
        "with its Feldt interval and McDonald's omega total, reverse-keyed items recoded first."
        " Structure: parallel analysis (Horn 1965), minimum-residual factoring with oblimin "
        "rotation, each item assigned to its highest loading; maximum-likelihood CFA on "
        "complete answers, scale by scale. Agreement: ICC(1) and ICC(2) from a one-way ANOVA "
        "(Bliese 2000), rwg(j) against a uniform null. Invariance: multi-group CFA, configural,"
        " metric and scalar, judged by changes in CFI and RMSEA (Chen 2007). Conventions "
        "(Nunnally 1978; Hu & Bentler 1999) are guides, not laws."
    ),
    "validity_department": "department",
    "validity_language": "language of the answers",
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
    "validity_title": "Rapport de validité de l'instrument",
    "validity_source": "Données",
    "validity_analysed": "Répondants analysés",
    "validity_excluded": "Exclus pour réponses négligentes",
    "validity_summary_title": "Synthèse",
    "validity_summary_intro": (
        "Ce rapport examine si le questionnaire mesure, dans cet échantillon, ce qu'il est "
        "censé mesurer : si les items de chaque échelle reçoivent des réponses cohérentes, "
        "forment un facteur qui leur est propre et ont le même sens d'un groupe à l'autre. Une "
        "échelle qui ne tient pas donne des scores qui mêlent plusieurs choses ou surtout du "
        "bruit : ses moyennes et ses écarts sont alors à lire avec prudence, voire pas du tout."
    ),
    "validity_hold": "Échelles qui tiennent dans cet échantillon",
    "validity_not_hold": "Échelles qui ne tiennent pas, et pourquoi",
    "validity_none": "aucune",
    "validity_concern.no_reliability": "la fidélité n'a pas pu être estimée",
    "validity_concern.low_alpha": (
        "alpha sous la convention de 0,70 : les items s'accordent trop peu"
    ),
    "validity_concern.no_cfa": "le modèle à un facteur n'a pas pu être ajusté",
    "validity_concern.poor_fit": "un facteur décrit mal les items (CFI ou SRMR)",
    "validity_concern.split": "ses items se répartissent sur plusieurs facteurs",
    "validity_concern.merged": "ses items partagent un facteur avec une autre échelle",
    "validity_quality_title": "Qualité des données",
    "validity_quality_intro": (
        "Avant toute autre analyse, les répondants qui ont répondu sans lire sont écartés. "
        "Chaque règle repère un type de réponse ; seules les règles marquées « exclure » "
        "retirent un répondant, les autres ne font qu'avertir. {excluded} répondants sur "
        "{respondents} ont été exclus ; les sections suivantes portent sur les {analysed} "
        "autres."
    ),
    "validity_rule": "Règle",
    "validity_threshold": "Seuil",
    "validity_action": "Action",
    "validity_flagged": "Signalés",
    "validity_excluded_by": "Exclus par elle",
    "validity_rule.longstring": "Même réponse à la suite (part des items)",
    "validity_rule.irv": "Réponses peu variées (écart-type)",
    "validity_rule.mahalanobis": "Profil inhabituel (p de Mahalanobis)",
    "validity_rule.reverse_disagreement": "Contredit les items inversés (points)",
    "validity_action.exclude": "exclure",
    "validity_action.warn": "avertir",
    "validity_reliability_title": "Fidélité",
    "validity_reliability_intro": (
        "L'alpha de Cronbach et l'oméga de McDonald disent avec quelle cohérence les items "
        "d'une échelle reçoivent des réponses. Par convention, 0,70 est acceptable et 0,80 bon "
        "pour comparer des groupes ; ce sont des conventions, non des lois. L'item le plus "
        "faible est celui qui est le moins corrélé avec le reste de son échelle (r.drop)."
    ),
    "validity_weakest": "Item le plus faible (r.drop)",
    "validity_structure_title": "Structure",
    "validity_efa_intro": (
        "Une analyse factorielle exploratoire des {items} items, dont le nombre de facteurs est"
        " choisi par analyse parallèle, cherche la structure des réponses sans connaître les "
        "échelles. Elle trouve {found} facteurs ; l'instrument prévoit {intended} échelles. KMO"
        " = {kmo} (adéquation de l'échantillon ; au-delà de 0,80, bonne par convention), p de "
        "Bartlett = {p}."
    ),
    "validity_efa_failed": "L'analyse factorielle exploratoire n'a pas pu être menée : {reason}.",
    "validity_main_factor": "Facteur principal",
    "validity_share_on_main": "Items sur ce facteur",
    "validity_factor_count": "Facteurs",
    "validity_shares_with": "Partagé avec",
    "validity_cfa_intro": (
        "Une analyse factorielle confirmatoire ajuste chaque échelle comme un facteur de ses "
        "propres items. Chaque échelle est ajustée séparément, car un tel modèle n'utilise que "
        "les répondants qui ont répondu à tous ses items : un modèle de tous les items en "
        "garderait trop peu. Les échelles de niveau équipe d'un module sont aussi ajustées "
        "ensemble, pour vérifier qu'elles sont distinctes. Les conventions de Hu et Bentler "
        "sont un CFI et un TLI d'au moins 0,95, un RMSEA d'au plus 0,06 et un SRMR d'au plus "
        "0,08 : des conventions, non des lois. Une échelle de 3 items a 0 degré de liberté et "
        "s'ajuste parfaitement par construction."
    ),
    "validity_model": "Modèle",
    "validity_block": "ensemble",
    "validity_agreement_title": "Accord au sein des équipes",
    "validity_agreement_intro": (
        "Un score d'équipe a un sens quand les membres d'une équipe répondent de façon "
        "semblable. L'ICC(1) est la part de la variance située entre les équipes ; l'ICC(2) est"
        " la fidélité de la moyenne d'une équipe (0,70 par convention) ; le rwg(j) est l'accord"
        " au sein d'une équipe, ici sa médiane sur les équipes (0,70 par convention)."
    ),
    "validity_agreement_missing": "L'accord n'a pas été évalué : {reason}.",
    "validity_teams_count": "Équipes",
    "validity_rwg_median": "rwg(j) médian",
    "validity_invariance_title": "Comparabilité entre groupes",
    "validity_invariance_intro": (
        "L'invariance de mesure examine si une échelle a le même sens dans chaque groupe "
        "({group}). Ce n'est qu'au niveau scalaire que les moyennes des groupes peuvent être "
        "comparées."
    ),
    "validity_invariance_none": (
        "Aucun regroupement n'a été donné : la comparabilité entre groupes n'a pas été testée."
    ),
    "validity_group": "Groupes",
    "validity_verdict": "Verdict",
    "validity_verdict.scalar": "les moyennes sont comparables entre groupes",
    "validity_verdict.metric": "les relations sont comparables, les moyennes non",
    "validity_verdict.configural": "même structure, mais ni moyennes ni relations comparables",
    "validity_verdict.none": "l'échelle n'a pas la même structure dans chaque groupe",
    "validity_not_tested": "non testé : {reason}",
    "validity_methods_title": "Méthodes",
    "validity_methods_body": (
        "Réponses négligentes : plus longue suite de réponses identiques, écart-type intra-"
        "individuel, distance de Mahalanobis et désaccord avec les items inversés (Curran "
        "2016). Fidélité : alpha de Cronbach avec son intervalle de Feldt et oméga total de "
        "McDonald, après recodage des items inversés. Structure : analyse parallèle (Horn "
        "1965), factorisation par résidus minimaux avec rotation oblimin, chaque item rattaché "
        "à sa plus forte saturation ; AFC par maximum de vraisemblance sur les réponses "
        "complètes, échelle par échelle. Accord : ICC(1) et ICC(2) d'une ANOVA à un facteur "
        "(Bliese 2000), rwg(j) contre une distribution uniforme. Invariance : AFC multigroupe, "
        "configurale, métrique et scalaire, jugée sur les variations du CFI et du RMSEA (Chen "
        "2007). Les conventions (Nunnally 1978 ; Hu et Bentler 1999) sont des repères, non des "
        "lois."
    ),
    "validity_department": "département",
    "validity_language": "langue des réponses",
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
