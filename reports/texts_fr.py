"""The reports' words in French (the keys of :mod:`reports.texts_en` exactly); the French
spacing before ; : ? ! % is added by :mod:`reports.i18n`."""

from __future__ import annotations

FR: dict[str, str] = {
    "report_title": "Rapport d'équipe",
    "organisation_report_title": "Rapport d'organisation",
    "department": "Département",
    "campaign": "Campagne",
    "organisation": "Organisation",
    "respondents": "Répondants",
    "invited": "Invités",
    "response_rate": "Taux de réponse",
    "of_invited": "sur {invited} invités",
    "of_invited_imported": "({online} sur {invited} invités, {imported} sur papier)",
    "of_which_imported": "({n} sur papier)",
    "date": "Date",
    "snapshot": "Instantané",
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
        "Chaque rangée donne le score moyen de votre équipe et celui du reste de "
        "l'organisation, sur l'échelle de réponse de {low} (pas du tout d'accord) à {high} "
        "(tout à fait d'accord), chacun avec son intervalle de confiance à 95 % entre crochets."
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
    "name_alpha": "Alpha de Cronbach – fidélité",
    "explain_alpha": (
        "La cohérence avec laquelle les personnes répondent aux items d'une échelle, sur "
        "toute l'organisation. Par convention, {threshold} ou plus est jugé suffisant pour "
        "comparer des groupes. Alpha augmente avec le nombre d'items et suppose que tous les "
        "items pèsent autant : c'est un repère approximatif."
    ),
    "name_omega": "Oméga de McDonald – fidélité",
    "explain_omega": (
        "La même idée, estimée à partir d'un modèle à un facteur sans supposer que les items "
        "pèsent autant. Il se lit sur la même échelle qu'alpha."
    ),
    "name_icc1": "ICC(1) – différences entre équipes",
    "explain_icc1": (
        "La part des différences entre personnes qui se situe entre équipes. Dans les "
        "organisations elle est souvent comprise entre 0,05 et 0,20 ; il n'y a pas de seuil "
        "de réussite."
    ),
    "name_icc2": "ICC(2) – fiabilité des moyennes d'équipe",
    "explain_icc2": (
        "La fiabilité avec laquelle les moyennes d'équipe distinguent les équipes. Par "
        "convention, {threshold} ou plus ; il croît avec la taille des équipes, si bien "
        "qu'avec de petites équipes des valeurs plus basses sont courantes et les moyennes "
        "se comparent avec prudence."
    ),
    "name_rwg": "rwg(j) – accord au sein d'une équipe",
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
    # organisation report
    "org_participation_intro": (
        "Les répondants sont les réponses reçues. Les équipes de moins de {n} répondants ne "
        "reçoivent pas de rapport et ne sont pas montrées séparément ; la raison est donnée à "
        "la place de leurs chiffres. Elles comptent dans les taux de réponse, et dans les "
        "moyennes de l'organisation seulement là où, regroupées avec d'autres petites équipes "
        "plus haut dans l'organigramme, elles atteignent {n}."
    ),
    "org_all_teams": "Toutes les équipes",
    "org_heat_intro": (
        "Chaque case est le score moyen d'une équipe ayant un rapport sur une échelle, de "
        "{low} à {high} ; les cases plus foncées sont plus élevées. La couleur montre à quel "
        "point les membres reconnaissent une manière de travailler, pas une qualité. Les "
        "équipes sans rapport n'apparaissent pas."
    ),
    "org_heat_organisation": "Organisation (équipes montrées)",
    "org_heat_greyed": (
        "Colonnes pâles : les statistiques n'étayent pas telle quelle la comparaison des "
        "équipes sur cette échelle."
    ),
    "org_heat_note_alpha": (
        "Fidélité faible, alpha sous {threshold} dans cette campagne : {scales}."
    ),
    "org_heat_note_icc2": (
        "Moyennes d'équipe pas nettement différentes, ICC(2) sous {threshold} : {scales}."
    ),
    "org_heat_note_cells": (
        "Cellules pâles : les membres de l'équipe s'accordent trop peu (rwg(j) sous "
        "{threshold}) pour lire sa moyenne comme une vue partagée ; son propre rapport la "
        "grise aussi."
    ),
    "org_group.accountability": "Redevabilité",
    "org_group.identification": "Identification",
    "org_group.citizenship": "Citoyenneté apprenante",
    "org_group.practice": "Communauté de pratique",
    "org_group.core": "Échelles centrales",
    "org_caveat_icc2": (
        "moyennes d'équipe pas nettement différentes : ICC(2) de {value}, sous {threshold}"
    ),
    "org_scores_intro": (
        "La moyenne de l'organisation sur chaque échelle, avec son intervalle de confiance à "
        "95 %. Les chiffres de l'organisation ne regroupent que les équipes montrées dans ce "
        "rapport, pour que les réponses d'une équipe sans rapport ne puissent pas être "
        "retrouvées par soustraction."
    ),
    "org_profiles_unplaced": (
        "Équipes ayant un rapport qui ne peuvent être placées, leur redevabilité horizontale "
        "ou verticale n'étant pas montrée : {n}."
    ),
    "org_validity_title": "Synthèse de validité",
    "org_validity_intro": (
        "Le comportement des échelles dans cette campagne. Pour chaque échelle : ses items "
        "(k), les répondants ayant un score (n), la cohérence de ses items (alpha, avec son "
        "intervalle à 95 %, et oméga), la part des différences entre personnes qui se situe "
        "entre équipes (ICC(1)) et la fiabilité avec laquelle les moyennes d'équipe "
        "distinguent les équipes (ICC(2)). Les valeurs sous le seuil conventionnel de "
        "{threshold} sont grisées, avec ce qu'elles signifient."
    ),
    "org_validity_meaning_title": "Ce que dit cette synthèse",
    "org_validity_alpha_all": (
        "L'alpha atteint le seuil conventionnel de {threshold} sur les {total} échelles : les "
        "items de chaque échelle ont reçu des réponses cohérentes dans cette campagne."
    ),
    "org_validity_alpha_some": (
        "L'alpha atteint le seuil conventionnel de {threshold} sur {met} échelles sur "
        "{total}. Pour {scales}, les réponses aux items ont été moins cohérentes dans cette "
        "campagne : les moyennes contiennent plus de bruit et sont grisées partout où elles "
        "apparaissent."
    ),
    "org_validity_icc2_all": (
        "L'ICC(2) atteint {threshold} sur les {total} échelles : les moyennes d'équipe "
        "distinguent les équipes de manière fiable."
    ),
    "org_validity_icc2_some": (
        "L'ICC(2) atteint {threshold} sur {met} échelles sur {total}. Pour {scales}, les "
        "moyennes d'équipe ne sont pas nettement différentes les unes des autres : avec des "
        "équipes de cette taille, les écarts entre leurs cases du tableau peuvent tenir "
        "surtout du hasard. Ces colonnes sont pâles."
    ),
    "org_validity_alpha_few": (
        "L'alpha n'atteint le seuil conventionnel de {threshold} que sur {met} échelles sur "
        "{total} : {scales}. Pour les autres, les réponses aux items ont été moins cohérentes "
        "dans cette campagne : les moyennes contiennent plus de bruit et sont grisées partout "
        "où elles apparaissent."
    ),
    "org_validity_alpha_none": (
        "L'alpha reste sous le seuil conventionnel de {threshold} sur les {total} échelles dans "
        "cette campagne : chaque moyenne contient plus de bruit que la convention ne l'admet et "
        "est grisée."
    ),
    "org_validity_icc2_few": (
        "L'ICC(2) n'atteint {threshold} que sur {met} échelles sur {total} : {scales}. Pour "
        "les autres, les moyennes d'équipe ne sont pas nettement différentes les unes des "
        "autres : avec des équipes de cette taille, les écarts entre leurs cases du tableau "
        "peuvent tenir surtout du hasard. Ces colonnes sont pâles."
    ),
    "org_validity_icc2_none": (
        "L'ICC(2) reste sous {threshold} sur les {total} échelles : avec des équipes de cette "
        "taille, les moyennes d'équipe ne sont pas nettement différentes les unes des autres, "
        "et les écarts entre cases du tableau peuvent tenir surtout du hasard. Toutes ses "
        "colonnes sont pâles."
    ),
    "org_validity_describe": (
        "Ces chiffres décrivent le comportement du questionnaire auprès de ces répondants ; ils "
        "ne jugent ni les équipes ni l'instrument. L'ICC(2) croît avec la taille des équipes : "
        "de petites équipes le font baisser."
    ),
    "org_confidentiality_pooled": (
        "Les chiffres de l'organisation regroupent les équipes montrées, et les équipes sans "
        "rapport partout où, regroupées plus haut dans l'organigramme, elles atteignent {k} ; "
        "les petites équipes qui n'atteignent {k} nulle part en sont laissées hors. Ainsi "
        "l'organisation moins les équipes montrées ne laisse que des groupes d'au moins {k}. "
        "Les ICC ne regroupent que les équipes montrées."
    ),
    "org_confidentiality_min": (
        "Taille minimale des groupes : aucune équipe de moins de {k} répondants n'est "
        "montrée, ni une échelle à laquelle moins de {k} membres d'une équipe ont répondu ; "
        "la raison est imprimée à la place."
    ),
    "org_confidentiality_complementary": (
        "Pas de soustraction : chaque chiffre regroupe des groupes entiers d'au moins {k} "
        "personnes (une équipe, ou de petites équipes regroupées), si bien qu'aucun groupe de "
        "moins de {k} ne peut être retrouvé par différence, quels que soient les chiffres, "
        "rapports et exports mis côte à côte. La même décision donne leur unité aux lignes de "
        "l'export."
    ),
    "org_confidentiality_distributions": (
        "Distributions : les réponses à un énoncé ne sont montrées, dans les rapports "
        "d'équipe seulement, que si au moins {k} membres y ont répondu et si elles se "
        "répartissent sur plus d'une option. Ce rapport ne montre aucune distribution de "
        "réponses."
    ),
    "padding_title": "Répondants ajoutés pendant la campagne",
    "padding_intro": (
        "Les invitations créées après l'ouverture de la campagne, et les réponses importées de "
        "questionnaires papier, sont consignées dans le journal d'audit avec leur auteur et "
        "leur date, et listées ici pour le comité social : qui répond à de telles invitations, "
        "ou importe des réponses, pourrait porter une petite équipe au minimum et lire ses "
        "chiffres."
    ),
    "padding_none": (
        "Aucun : toutes les invitations ont été créées avant l'ouverture de la campagne, et "
        "aucune réponse n'a été importée."
    ),
    "padding_unit": "Unité",
    "padding_kind": "Ajout",
    "padding_count": "Nombre",
    "padding_invitations": "invitations après l'ouverture",
    "padding_imported": "réponses importées",
    # end of organisation report
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
    "validity_concern.heywood": (
        "son modèle à un facteur donne une variance négative (cas de Heywood) : une solution"
        " impropre, dont l'ajustement ne peut pas être lu comme bon"
    ),
    "validity_heywood": (
        "Cas de Heywood : {cases}. Une variance ne peut pas être négative ; le modèle est mal"
        " spécifié pour ces items ou l'échantillon est trop petit, et ses indices"
        " d'ajustement ne montrent pas un bon ajustement."
    ),
    "validity_heywood.residual": "variance résiduelle de {name} {value}",
    "validity_heywood.factor": "variance du facteur {name} {value}",
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
        "échelles. Elle trouve {found} facteurs ; l'instrument prévoit {intended} échelles."
    ),
    "validity_efa_kmo": (
        "KMO = {kmo} (adéquation de l'échantillon ; au-delà de 0,80, bonne par convention), p de"
        " Bartlett {p}."
    ),
    "validity_efa_kmo_smoothed": (
        "p de Bartlett {p}. Le KMO n'est pas donné : il se lit sur les corrélations partielles"
        " d'une matrice de corrélation valide et, sur une matrice lissée, il mesure le lissage,"
        " non l'adéquation de l'échantillon (psych::KMO dans R ne donne aucun chiffre sur de"
        " telles réponses avant de les lisser)."
    ),
    "validity_efa_few": (
        "{n} répondants pour {items} items, soit {ratio} par item : une analyse factorielle"
        " exploratoire demande au moins {minimum} répondants par item pour trouver des"
        " facteurs qui se retrouvent d'un échantillon à l'autre. Lisez le nombre de facteurs et"
        " le tableau ci-dessous comme un premier aperçu, à vérifier sur une campagne plus"
        " large."
    ),
    "validity_efa_smoothed": (
        "Les corrélations entre items ont été calculées paire par paire, chacune sur les"
        " personnes qui ont répondu aux deux, et ensemble elles ne formaient pas une matrice"
        " de corrélation valide (non définie positive) : elles ont été lissées vers la matrice"
        " valide la plus proche, comme le fait psych::cor.smooth dans R, avant l'analyse."
        " Les facteurs sont donc approximatifs."
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
        "à sa plus forte saturation ; AFC par maximum de vraisemblance sur toutes les "
        "réponses données (maximum de vraisemblance à information complète, comme missing = "
        '"ml" de lavaan), échelle par échelle, les variances laissées libres comme lavaan '
        "les laisse (une variance négative, un cas de Heywood, est nommée). Accord : ICC(1) et "
        "ICC(2) d'une ANOVA à un facteur (Bliese 2000), rwg(j) contre une distribution "
        "uniforme, sur toutes les réponses données par chaque membre. Invariance : AFC "
        "multigroupe, configurale, métrique et scalaire, entre groupes d'au moins 100 ; un "
        "niveau est refusé quand le CFI baisse d'au moins 0,010, que le RMSEA (0,015) ou le "
        "SRMR le confirme et que le test du rapport de vraisemblance rejette (Chen "
        "2007). Les conventions (Nunnally 1978 ; Hu et Bentler 1999) sont des repères, non des "
        "lois."
    ),
    "validity_department": "département",
    "validity_language": "langue des réponses",
    "validity_concern.negative_alpha": (
        "alpha inférieur à 0 : ses items sont en moyenne liés négativement (ils ne mesurent"
        " pas une même chose, ou un item inversé est codé dans le mauvais sens)"
    ),
    "validity_no_alpha": (
        "l'alpha n'a pas pu être calculé : trop peu de réponses, ou des items sans variance"
    ),
    "validity_unjudged": "Échelles que cet échantillon est trop petit pour juger",
    "validity_small_sample": (
        "Trop peu de répondants pour juger ces échelles : leur alpha repose sur moins de"
        " {min} répondants ({analysed} analysés en tout). Sur si peu, l'intervalle autour de"
        " l'alpha va d'une échelle inutilisable à une bonne échelle, et le hasard seul peut"
        " faire paraître faible une échelle solide, ou solide une échelle faible : recueillez"
        " davantage de réponses avant de conclure à leur sujet."
    ),
    "validity_small_sample_mark": "moins de {min} répondants : trop peu pour lire l'alpha",
    "validity_negative_alpha": (
        "Un alpha négatif ({scales}) signifie que les items de l'échelle sont, en moyenne,"
        " liés négativement : ils ne mesurent pas une même chose dans cet échantillon, ou un"
        " item formulé à l'inverse n'est pas marqué comme inversé dans l'instrument."
        " Vérifiez d'abord les items inversés."
    ),
    "validity_negative_alpha_small": (
        "Sur si peu de répondants, le hasard seul peut aussi le produire."
    ),
    "validity_invariance_not_assessed": (
        "La comparabilité n'a pas été évaluée : elle demande au moins deux groupes d'au moins"
        " {min} répondants chacun, le minimum qu'appliquent aussi les rapports d'équipe (en"
        " deçà, une analyse factorielle multigroupe accepte ou refuse l'invariance largement"
        " par hasard). {large} groupe(s) sur {groups} l'atteignent ici (répondants par groupe :"
        " {sizes})."
    ),
    "validity_invariance_groups": (
        "Seuls les groupes d'au moins {min} répondants y prennent part, comme dans les"
        " rapports d'équipe : {large} sur {groups} ici (répondants par groupe : {sizes})."
    ),
    "validity_invariance_not_fitted": (
        "le modèle à un facteur n'a pas pu être ajusté, ou n'a pas convergé, dans chaque groupe"
    ),
    # -- sections added with the summary, items and methods pages ------------------------------
    "summary_title": "En résumé",
    "summary_intro": (
        "Où se situe votre équipe, en mots simples. Chaque phrase ci-dessous vient des chiffres "
        "des pages suivantes ; aucune n'est un jugement."
    ),
    "summary_participation": "{n} membres de l'équipe ont répondu{rate}.",
    "summary_rate": ", soit {rate} des personnes invitées",
    "summary_higher": (
        "Les scores de votre équipe sont nettement plus élevés que ceux du reste de "
        "l'organisation sur : {scales}."
    ),
    "summary_lower": (
        "Les scores de votre équipe sont nettement plus bas que ceux du reste de "
        "l'organisation sur : {scales}."
    ),
    "summary_no_difference": (
        "Sur aucune échelle votre équipe ne se distingue nettement du reste de l'organisation : "
        "les écarts observés restent dans ce que le hasard seul pourrait produire."
    ),
    "summary_clearly": (
        "« Nettement » signifie que l'intervalle de confiance à 95 % de l'écart ne contient pas "
        "zéro."
    ),
    "summary_most_least": (
        "Les membres adhèrent le plus aux énoncés sur {most}, avec une moyenne de {most_mean}, "
        "et le moins à ceux sur {least}, avec une moyenne de {least_mean}, sur une échelle de "
        "{low} à {high}."
    ),
    "summary_plane": "Sur le plan de la redevabilité, votre équipe a un profil {profile} : {text}",
    "summary_plane_uncertain": (
        "Ce placement est incertain : un intervalle de confiance franchit une ligne de partage."
    ),
    "summary_plane_greyed": (
        "Ce placement repose sur des chiffres que les statistiques n'étayent pas tels quels "
        "({scales}) : il se lit avec la même prudence."
    ),
    "summary_trend_up": (
        "Depuis la vague précédente, les scores ont nettement augmenté sur : {scales}."
    ),
    "summary_trend_down": (
        "Depuis la vague précédente, les scores ont nettement baissé sur : {scales}."
    ),
    "summary_trend_none": "Depuis la vague précédente, aucun score n'a nettement changé.",
    "summary_trend_unavailable": (
        "Aucune évolution depuis la vague précédente ne peut être montrée pour cette équipe : "
        "voir le tableau des échelles."
    ),
    "summary_caveats": (
        "À lire avec prudence : sur {scales}, les statistiques ne permettent pas de lire le "
        "chiffre tel quel ; ces chiffres sont grisés, avec la raison, partout où ils "
        "apparaissent."
    ),
    "summary_caveats_comparison": (
        "Sur {scales}, les statistiques ne permettent pas de comparer telle quelle votre équipe "
        "au reste de l'organisation : l'écart est grisé, avec la raison."
    ),
    "summary_no_difference_supported": (
        "Sur les échelles où les statistiques permettent une comparaison, votre équipe ne se "
        "distingue pas nettement du reste de l'organisation : les écarts observés restent dans "
        "ce que le hasard seul pourrait produire."
    ),
    "summary_no_comparison": (
        "Sur aucune échelle les statistiques ne permettent de comparer telle quelle votre "
        "équipe au reste de l'organisation : les écarts sont grisés, avec la raison."
    ),
    "summary_no_rest": (
        "Il n'y a pas de reste de l'organisation auquel comparer votre équipe : trop peu "
        "d'autres personnes ont répondu dans cette campagne pour que leurs chiffres soient "
        "montrés, et le rapport décrit l'équipe pour elle-même."
    ),
    "accountability_title": "Redevabilité : horizontale, verticale, transversale",
    "accountability_intro": (
        "La redevabilité horizontale se ressent envers les pairs et la pratique qu'ils "
        "partagent ; la redevabilité verticale remonte la hiérarchie ; la transversalité dit "
        "si les deux se voient. Chaque ligne montre la moyenne de votre équipe à côté de celle "
        "du reste de l'organisation, de {low} à {high}, avec les intervalles de confiance à "
        "95 %."
    ),
    "accountability_alt": (
        "Graphique : redevabilités horizontale et verticale et transversalité de l'équipe, à "
        "côté du reste de l'organisation, avec les intervalles de confiance à 95 %."
    ),
    "identification_title": "Modes d'identification",
    "identification_intro": (
        "Comment les membres se situent parmi les pratiques qui les entourent : en faisant "
        "avec d'autres (engagement), en se représentant membres de communautés plus vastes "
        "(imagination), en coordonnant leur action avec un cadre plus large (alignement). Les "
        "trois vont ensemble ; aucun ne vaut mieux que les autres."
    ),
    "identification_alt": (
        "Graphique : profil de l'équipe en engagement, imagination et alignement, à côté du "
        "reste de l'organisation, avec les intervalles de confiance à 95 %."
    ),
    "citizenship_title": "Citoyenneté apprenante",
    "citizenship_intro": (
        "Comment chacun investit son temps et son attention pour accroître la capacité "
        "d'apprentissage des systèmes auxquels il prend part, facette par facette, le score "
        "d'ensemble en premier."
    ),
    "citizenship_alt": (
        "Graphique : citoyenneté apprenante et ses cinq facettes pour l'équipe, à côté du "
        "reste de l'organisation, avec les intervalles de confiance à 95 %."
    ),
    "greyed_note": "Grisé : {reasons}",
    "greyed_legend": "Chiffres grisés : les statistiques ne les étayent pas tels quels",
    "previous_wave": "Vague précédente",
    "change": "Évolution",
    "no_previous_wave_note": (
        "Pas de vague précédente : l'évolution depuis la dernière campagne s'affiche à partir"
        " de la deuxième campagne."
    ),
    "trend_not_shown": "non affiché : {reason}",
    "trend_missing": "absente de la vague précédente",
    "trend_reason.shifted": "le sens de l'échelle a changé entre les vagues",
    "trend_reason.few_previous": "le rapport de la vague précédente ne le montrait pas",
    "trend_reason.few_both": "le rapport de la vague précédente ne le montrait pas",
    "trend_reason.few_current": "trop peu de réponses dans cette vague",
    "trend_reason.untested": "l'échelle n'a pas pu être comparée entre les vagues",
    "trend_reason.facets": "toutes ses facettes ne peuvent pas être comparées entre les vagues",
    "caveat_rwg": (
        "accord faible : rwg(j) de {value}, sous {threshold} ; la moyenne peut ne pas refléter "
        "une vue partagée par l'équipe"
    ),
    "caveat_alpha": ("fidélité faible : alpha de {value} dans cette campagne, sous {threshold}"),
    "caveat_invariance": (
        "la comparaison avec le reste de l'organisation n'est pas étayée : l'échelle peut ne "
        "pas avoir le même sens dans chaque équipe"
    ),
    "caveat_icc2": (
        "comparaison non étayée : les moyennes d'équipe sur cette échelle ne sont pas "
        "nettement différentes dans l'organisation (ICC(2) de {value}, sous {threshold})"
    ),
    "items_title": "Les réponses de l'équipe, énoncé par énoncé",
    "items_intro": (
        "Pour chaque énoncé, la part des réponses de l'équipe sur chaque option, du désaccord "
        "(à gauche) à l'accord (à droite) ; « ne s'applique pas » n'est pas compté. Les "
        "chiffres aux extrémités additionnent les trois options de désaccord et d'accord."
    ),
    "items_reverse_mark": "(I)",
    "items_reverse_legend": (
        "(I) énoncé inversé : y adhérer abaisse le score de l'échelle. Sa barre montre les "
        "réponses telles que données ; elles ne sont inversées que dans la moyenne de "
        "l'échelle."
    ),
    "items_low": "Désaccord",
    "items_high": "Accord",
    "items_alt": (
        "Graphique : pour chaque énoncé, la part des réponses de l'équipe sur chaque option."
    ),
    "item_unanimous": (
        "non affiché : toutes les réponses sont tombées sur une seule option, ce qui révélerait "
        "la réponse de chacun"
    ),
    "item_too_few": "non affiché : moins de {n} personnes ont répondu à cet énoncé",
    "item_scale_hidden": "non affiché : l'échelle n'est pas affichée pour cette équipe",
    "meaning_title": "Ce que décrivent les scores",
    "meaning_intro": (
        "Ce que décrit chaque échelle, d'après la théorie de l'apprentissage social sur "
        "laquelle repose le questionnaire. Un score élevé dit que les membres reconnaissent "
        "fortement cette façon de travailler ; un score bas, qu'ils la reconnaissent peu. Ni "
        "l'un ni l'autre n'est bon ou mauvais en soi."
    ),
    "questions_title": "Questions à discuter en équipe",
    "questions_intro": (
        "Le rapport ouvre une conversation, il ne la conclut pas. Ces questions peuvent aider "
        "l'équipe à lire ses propres chiffres ; l'équipe connaît son contexte mieux qu'aucune "
        "enquête."
    ),
    "question_general_1": "Quel chiffre nous a surpris, et qu'est-ce qui l'expliquerait ?",
    "question_general_2": (
        "Où sommes-nous le moins d'accord entre nous, et que nous dit ce désaccord ?"
    ),
    "question_general_3": (
        "À quoi aimerions-nous que ces chiffres ressemblent dans un an, et pourquoi ?"
    ),
    "methods_title": "Méthodes",
    "methods_participation": (
        "{n} membres de l'équipe ont répondu{rate}. Une équipe ne reçoit un rapport que si au "
        "moins {k} de ses membres ont répondu."
    ),
    "justified": "Moyenne d'équipe",
    "justified_yes": "étayée",
    "justified_no": "non étayée",
    "justified_person": "une moyenne",
    "justified_note": (
        "« Moyenne d'équipe » indique si l'accord au sein de l'équipe (rwg(j) d'au moins "
        "{threshold}) et la fidélité de l'échelle (alpha d'au moins {threshold}) permettent "
        "de lire un score de niveau équipe comme une propriété de l'équipe ; pour les échelles "
        "qui portent sur la personne, le score d'équipe est une moyenne de personnes, non "
        "étayée quand la fidélité de l'échelle est faible. C'est le verdict que suivent les "
        "chiffres grisés de ce rapport."
    ),
    "agreement_skipped_note": (
        "Réponses omises : le rwg(j) utilise toutes les réponses données par chaque membre ; "
        "un membre qui a omis un énoncé compte donc pour les autres. Écarter quiconque a omis "
        "une réponse, comme le font certains logiciels, jugerait une équipe de 8 sur 6 d'entre "
        "eux environ quand une réponse sur vingt est omise, sur moins de personnes que chaque "
        "énoncé n'en a eu."
    ),
    "invariance_title": "Comparabilité entre équipes",
    "invariance_not_assessed": (
        "L'invariance de mesure n'a pas été évaluée pour cette campagne : elle n'est testée "
        "qu'entre départements d'au moins {min_n} répondants, deux au moins. Les comparaisons "
        "avec le reste de l'organisation supposent que chaque échelle a le même sens dans "
        "chaque équipe."
    ),
    "invariance_assessed": (
        "L'invariance de mesure a été évaluée entre les {groups} départements d'au moins "
        "{min_n} répondants : les moyennes de {comparable} échelles sur {total} peuvent être "
        "comparées entre équipes."
    ),
    "invariance_not_comparable": "Non comparables : {scales}.",
    "exclusions_title": "Réponses négligentes",
    "exclusions_body": (
        "{n} répondants de l'ensemble de l'organisation ont été signalés pour réponses "
        "négligentes selon les règles ci-dessous. Ils sont laissés hors de la fiabilité des "
        "échelles, non des chiffres des groupes, où une équipe pourrait compter ses membres "
        "signalés. Aucun nombre n'est donné par équipe."
    ),
    "confidentiality_title": "Règles de confidentialité appliquées",
    "confidentiality_min": (
        "Taille minimale des groupes : aucun chiffre n'est montré pour un groupe de moins de "
        "{k} répondants, ni pour une échelle à laquelle moins de {k} membres de l'équipe ont "
        "répondu."
    ),
    "confidentiality_complementary": (
        "Pas de soustraction : chaque chiffre regroupe des groupes entiers d'au moins {k} "
        "personnes (une équipe, ou de petites équipes regroupées plus haut dans "
        "l'organigramme), si bien que l'organisation moins cette équipe, ou toute autre "
        "différence de chiffres, ne laisse jamais un groupe de moins de {k}."
    ),
    "confidentiality_distributions": (
        "Distributions : les réponses à un énoncé ne sont montrées que si au moins {k} membres "
        "y ont répondu et si elles se répartissent sur plus d'une option ; sinon le graphique "
        "révélerait la réponse de chacun."
    ),
    "confidentiality_pointer": (
        "Les règles et leur démonstration sont rédigées pour les comités d'entreprise dans "
        "docs/confidentiality.md du projet."
    ),
    # -- rapport de département (sous-arbre) ---------------------------------------------------
    "dept_report_title": "Rapport de département",
    "kind.organisation": "Organisation",
    "kind.department": "Département",
    "kind.team": "Équipe",
    "dept_kind": "Niveau",
    "dept_parent": "Rattachée à",
    "dept_pooled": "Dans ses chiffres",
    "dept_about": (
        "Ce rapport décrit comment les équipes de {unit} ont répondu à une enquête sur leur "
        "manière de travailler et d'apprendre ensemble, à côté du reste de l'organisation. Il "
        "décrit ; il ne note pas : aucun score ni aucun profil n'est le bon. Chaque équipe ayant "
        "assez de répondants reçoit aussi son propre rapport."
    ),
    "dept_about_privacy": (
        "Les réponses sont anonymes. Un chiffre n'est montré que s'il regroupe au moins {k} "
        "personnes : une équipe plus petite est comptée dans des chiffres regroupés, jamais "
        "montrée à part."
    ),
    "dept_pooling": (
        "Les chiffres de {unit} regroupent ses équipes montrées ici, et ses équipes sans "
        "rapport partout où, regroupées au sein de {unit}, elles atteignent {k}. Une petite "
        "équipe regroupée plus haut dans l'organigramme, ou qui n'atteint {k} nulle part, ne "
        "compte que dans les taux de réponse. Ainsi {unit} moins ses équipes montrées ne laisse "
        "personne ou un groupe d'au moins {k}."
    ),
    "dept_scores_title": "Scores face au reste de l'organisation",
    "dept_scores_intro": (
        "Chaque ligne montre la moyenne de {unit} et celle du reste de l'organisation, sur "
        "l'échelle de réponse de {low} (pas du tout d'accord) à {high} (tout à fait d'accord). "
        "Les traits montrent les intervalles de confiance à 95 % ; la ligne pointillée marque "
        "le milieu de l'échelle."
    ),
    "dept_scores_alt": (
        "Graphique : la moyenne de l'unité sur chaque échelle à côté de celle du reste de "
        "l'organisation, avec les intervalles de confiance à 95 %. Le tableau qui suit donne "
        "les chiffres."
    ),
    "dept_no_rest_intro": (
        "{unit} réunit tous les répondants que regroupent les chiffres de l'organisation : il "
        "n'y a pas de reste de l'organisation auquel la comparer."
    ),
    "dept_this_unit": "Cette unité",
    "dept_unit_mean": "Unité",
    "dept_cohens_d": "d",
    "dept_diff_note": (
        "L'écart est la moyenne de l'unité moins celle du reste de l'organisation ; d est cet "
        "écart en écarts-types. Quand son intervalle ne contient pas zéro, l'écart n'est "
        "probablement pas dû au seul hasard ; il reste une description, pas un verdict."
    ),
    "dept_hidden_reason": (
        "non affiché : moins de {n} des personnes comptées dans l'unité y ont répondu"
    ),
    "dept_no_rest": "pas de reste de l'organisation auquel comparer",
    "dept_rest_hidden": "reste de l'organisation : moins de {n} réponses",
    "dept_participation_intro": (
        "Les répondants sont les réponses reçues dans chaque équipe de {unit}. Une équipe de "
        "moins de {n} répondants ne reçoit pas de rapport et n'est pas montrée à part ; son "
        "statut dit quels chiffres comptent ses répondants à la place. Toutes les équipes "
        "comptent dans les taux de réponse."
    ),
    "dept_within": "Dans",
    "dept_all_teams": "Ensemble de {unit}",
    "dept_status": "{reason} ; {where}",
    "dept_counted_here": "comptée dans les chiffres de cette unité, sans être montrée à part",
    "dept_counted_above": (
        "regroupée avec de petites équipes hors de cette unité : comptée dans les chiffres de "
        "{unit}, pas dans ceux de ce rapport"
    ),
    "dept_counted_nowhere": (
        "comptée dans aucun chiffre : regroupée avec les autres petites équipes, elle "
        "n'atteint {n} nulle part"
    ),
    "dept_refused_few": (
        "{respondents} répondants dans cette unité et les équipes qui en dépendent, moins que "
        "le minimum de {n}"
    ),
    "dept_refused_above": (
        "ses répondants ne comptent que dans les chiffres d'unités au-dessus d'elle, regroupés "
        "avec de petites équipes hors d'elle"
    ),
    "dept_heat_title": "Ses équipes côte à côte",
    "dept_heat_intro": (
        "Chaque case est le score moyen d'une équipe de {unit} ayant un rapport sur une "
        "échelle, de {low} à {high} ; les cases plus foncées sont plus élevées. La couleur "
        "montre à quel point les membres reconnaissent une manière de travailler, pas une "
        "qualité. Les équipes sans rapport n'apparaissent pas : voir la participation."
    ),
    "dept_heat_none": (
        "Aucune équipe de {unit} n'a de chiffres propres : seuls les chiffres regroupés de "
        "l'unité sont montrés."
    ),
    "dept_profiles_none": "Aucune équipe de cette unité ne peut être placée sur le plan.",
    "dept_rwg_median": "médiane de ses équipes",
    "dept_methods_participation": (
        "{n} personnes ont répondu dans {unit}{rate} ; ses chiffres en regroupent {pooled}. "
        "Une équipe ne reçoit un rapport que si au moins {k} de ses membres ont répondu."
    ),
    "dept_confidentiality_min": (
        "Taille minimale des groupes : aucun chiffre n'est montré pour un groupe de moins de "
        "{k} répondants, qu'il s'agisse d'une équipe, de cette unité ou du reste de "
        "l'organisation, ni pour une échelle à laquelle moins de {k} personnes d'un groupe ont "
        "répondu ; la raison est indiquée à la place."
    ),
    "dept_confidentiality_complementary": (
        "Pas de soustraction : les chiffres de cette unité, de ses équipes et du reste de "
        "l'organisation regroupent chacun des groupes entiers d'au moins {k} personnes (une "
        "équipe, ou de petites équipes regroupées plus haut dans l'organigramme), si bien que "
        "cette unité moins ses équipes montrées, l'organisation moins cette unité, ou toute "
        "autre différence de chiffres, ne laisse jamais un groupe de moins de {k}."
    ),
    "dept_confidentiality_distributions": (
        "Distributions : ce rapport ne montre aucune distribution des réponses ; le rapport "
        "propre d'une équipe ne montre les réponses à un énoncé que si au moins {k} membres y "
        "ont répondu et que les réponses se répartissent sur plus d'une option."
    ),
}
