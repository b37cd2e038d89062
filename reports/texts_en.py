"""The reports' words in English (the keys of :mod:`reports.texts_fr` exactly)."""

from __future__ import annotations

EN: dict[str, str] = {
    "report_title": "Team report",
    "organisation_report_title": "Organisation report",
    "department": "Department",
    "campaign": "Campaign",
    "organisation": "Organisation",
    "respondents": "Respondents",
    "invited": "Invited",
    "response_rate": "Response rate",
    "of_invited": "of {invited} invited",
    "of_invited_imported": "({online} of {invited} invited, {imported} on paper)",
    "of_which_imported": "({n} on paper)",
    "date": "Date",
    "snapshot": "Snapshot",
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
        "Each row gives your team's mean score and the mean of the rest of the organisation, "
        "on the response scale from {low} (strongly disagree) to {high} (strongly agree), each "
        "with its 95 % confidence interval in square brackets."
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
    "name_alpha": "Cronbach's alpha – reliability",
    "explain_alpha": (
        "How consistently people answer the items of a scale, over the whole organisation. "
        "By convention {threshold} or more is taken as enough to compare groups. Alpha rises "
        "with the number of items and assumes every item weighs the same: a rough guide."
    ),
    "name_omega": "McDonald's omega – reliability",
    "explain_omega": (
        "The same idea, estimated from a one-factor model without assuming that the items "
        "weigh the same. It is read on the same scale as alpha."
    ),
    "name_icc1": "ICC(1) – differences between teams",
    "explain_icc1": (
        "The share of the differences between people that lies between teams. In "
        "organisations it is often between 0.05 and 0.20; there is no pass mark."
    ),
    "name_icc2": "ICC(2) – reliability of team means",
    "explain_icc2": (
        "How reliably team means tell teams apart. By convention {threshold} or more; it "
        "grows with team size, so with small teams lower values are common and team means "
        "are best compared with care."
    ),
    "name_rwg": "rwg(j) – agreement within a team",
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
    # organisation report
    "org_participation_intro": (
        "Respondents are the responses received. Teams with fewer than {n} respondents "
        "receive no report and are not shown separately; the reason is given instead of their "
        "figures. They count in the response rates, and in the organisation's means only "
        "where, pooled with other small teams up the organisation chart, they reach {n}."
    ),
    "org_all_teams": "All teams",
    "org_heat_intro": (
        "Each cell is the mean score of a team with a report on a scale, from {low} to {high}; "
        "darker cells are higher. Colour shows how strongly members recognise a way of "
        "working, not quality. Teams without a report do not appear."
    ),
    "org_heat_organisation": "Organisation (teams shown)",
    "org_heat_greyed": (
        "Pale columns: the statistics do not support comparing teams on that scale as it stands."
    ),
    "org_heat_note_alpha": "Low reliability, alpha below {threshold} in this campaign: {scales}.",
    "org_heat_note_icc2": (
        "Team means not reliably different, ICC(2) below {threshold}: {scales}."
    ),
    "org_heat_note_cells": (
        "Pale cells: the team's members agree too little (rwg(j) below {threshold}) for its "
        "mean to be read as a view the team shares; its own report greys it too."
    ),
    "org_group.accountability": "Accountability",
    "org_group.identification": "Identification",
    "org_group.citizenship": "Learning citizenship",
    "org_group.practice": "Community of practice",
    "org_group.core": "Core scales",
    "org_caveat_icc2": ("team means not reliably different: ICC(2) {value}, below {threshold}"),
    "org_scores_intro": (
        "The organisation's mean on each scale, with its 95 % confidence interval. The "
        "organisation's figures pool only the teams shown in this report, so that the "
        "answers of a team without a report cannot be worked out by subtraction."
    ),
    "org_profiles_unplaced": (
        "Teams with a report that cannot be placed, their horizontal or vertical "
        "accountability not being shown: {n}."
    ),
    "org_validity_title": "Validity summary",
    "org_validity_intro": (
        "How the scales behaved in this campaign. For each scale: its items (k), the "
        "respondents with a score (n), the consistency of its items (alpha, with its 95 % "
        "interval, and omega), the share of differences between people that lies between "
        "teams (ICC(1)) and how reliably team means tell teams apart (ICC(2)). Values below "
        "the conventional {threshold} are greyed, with what they mean."
    ),
    "org_validity_meaning_title": "What this summary means",
    "org_validity_alpha_all": (
        "Alpha reaches the conventional {threshold} on all {total} scales: the items of each "
        "scale were answered consistently in this campaign."
    ),
    "org_validity_alpha_some": (
        "Alpha reaches the conventional {threshold} on {met} of {total} scales. On {scales}, "
        "the items were answered less consistently in this campaign, so the means carry more "
        "noise; they are greyed wherever they appear."
    ),
    "org_validity_icc2_all": (
        "ICC(2) reaches {threshold} on all {total} scales: team means tell teams apart reliably."
    ),
    "org_validity_icc2_some": (
        "ICC(2) reaches {threshold} on {met} of {total} scales. On {scales}, the team means "
        "are not reliably different from one another: with teams of this size, differences "
        "between their cells in the heat table may be mostly chance. Those columns are pale."
    ),
    "org_validity_alpha_few": (
        "Alpha reaches the conventional {threshold} on {met} of {total} scales only: "
        "{scales}. On the others, the items were answered less consistently in this campaign, "
        "so the means carry more noise; they are greyed wherever they appear."
    ),
    "org_validity_alpha_none": (
        "Alpha stays below the conventional {threshold} on all {total} scales in this "
        "campaign: every mean carries more noise than convention allows and is greyed."
    ),
    "org_validity_icc2_few": (
        "ICC(2) reaches {threshold} on {met} of {total} scales only: {scales}. On the others, "
        "the team means are not reliably different from one another: with teams of this "
        "size, differences between their cells in the heat table may be mostly chance. Those "
        "columns are pale."
    ),
    "org_validity_icc2_none": (
        "ICC(2) stays below {threshold} on all {total} scales: with teams of this size, team "
        "means are not reliably different from one another, and differences between cells in "
        "the heat table may be mostly chance. All its columns are pale."
    ),
    "org_validity_describe": (
        "These figures describe how the survey behaved with these respondents; they are not a "
        "verdict on the teams, nor on the instrument. ICC(2) grows with team size, so small "
        "teams lower it."
    ),
    "org_confidentiality_pooled": (
        "The organisation's figures pool the teams shown, and the teams without a report "
        "wherever, pooled together up the organisation chart, they reach {k}; small teams "
        "that reach {k} nowhere are left out. So the organisation minus the teams shown leaves "
        "only groups of at least {k}. The ICCs pool the teams shown only."
    ),
    "org_confidentiality_min": (
        "Minimum group size: no team with fewer than {k} respondents is shown, nor a scale "
        "of a team answered by fewer than {k} of its members; the reason is printed instead."
    ),
    "org_confidentiality_complementary": (
        "No subtraction: every figure pools whole groups of at least {k} (a team, or small "
        "teams pooled together), so no group of fewer than {k} can be worked out by "
        "difference, whatever figures, reports and exports are put side by side. The same "
        "decision gives the export's rows their unit."
    ),
    "org_confidentiality_distributions": (
        "Distributions: the answers to a statement are shown, in team reports only, when at "
        "least {k} members answered it and the answers fall in more than one option. This "
        "report shows no distribution of answers."
    ),
    "padding_title": "Respondents added while the campaign ran",
    "padding_intro": (
        "Invitations created after the campaign opened, and answers imported from paper "
        "forms, are recorded in the audit log with who added them and when, and listed here "
        "for the works council: whoever answers such invitations, or imports answers, could "
        "bring a small team up to the minimum and read its figures."
    ),
    "padding_none": (
        "None: every invitation was created before the campaign opened, and no answers were "
        "imported."
    ),
    "padding_unit": "Unit",
    "padding_kind": "Added",
    "padding_count": "Number",
    "padding_invitations": "invitations after opening",
    "padding_imported": "answers imported",
    # end of organisation report
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
    "validity_concern.heywood": (
        "its one-factor model gives a variance below zero (a Heywood case): an improper"
        " solution, whose fit cannot be read as good"
    ),
    "validity_heywood": (
        "Heywood case: {cases}. A variance cannot be negative; the model is misspecified for"
        " these items or the sample is too small, and its fit figures do not show a good fit."
    ),
    "validity_heywood.residual": "residual variance of {name} {value}",
    "validity_heywood.factor": "variance of the factor {name} {value}",
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
        "scales. It found {found} factors; the instrument intends {intended} scales."
    ),
    "validity_efa_kmo": (
        "KMO = {kmo} (sampling adequacy; above .80 is conventionally good), Bartlett p {p}."
    ),
    "validity_efa_kmo_smoothed": (
        "Bartlett p {p}. KMO is not given: it is read from the partial correlations of a valid"
        " correlation matrix, and on a smoothed one it measures the smoothing, not the"
        " sampling adequacy (R's psych::KMO gives no figure on such answers until it smooths"
        " them)."
    ),
    "validity_efa_few": (
        "{n} respondents for {items} items, {ratio} per item: an exploratory factor analysis"
        " needs at least {minimum} respondents per item to find factors that hold from one"
        " sample to the next. Read the number of factors and the table below as a first look,"
        " to be checked on a larger campaign."
    ),
    "validity_efa_smoothed": (
        "The items' correlations were computed pair by pair, each on the people who answered"
        " both, and together they did not form a valid correlation matrix (not positive"
        " definite): they were smoothed to the nearest valid one, as R's psych::cor.smooth"
        " does, before the analysis. Read the factors as approximate."
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
        'every answer given (full-information ML, as lavaan\'s missing = "ml"), scale by '
        "scale, variances left free as lavaan leaves them (a variance below zero, a Heywood "
        "case, is named). Agreement: ICC(1) and ICC(2) from a one-way ANOVA "
        "(Bliese 2000), rwg(j) against a uniform null, over every answer each member gave. "
        "Invariance: multi-group CFA, configural, metric and scalar, across groups of at "
        "least 100; a level is refused when CFI falls by .010 or more, corroborated by a "
        "rise in RMSEA (.015) or SRMR, and the likelihood-ratio test rejects (Chen 2007; the "
        "simulation behind the rule is in docs/invariance-rule.md). Conventions "
        "(Nunnally 1978; Hu & Bentler 1999) are guides, not laws."
    ),
    "validity_department": "department",
    "validity_language": "language of the answers",
    "validity_concern.negative_alpha": (
        "alpha below 0: its items are on average negatively related (they do not measure one"
        " thing, or a reversed item is keyed the wrong way)"
    ),
    "validity_no_alpha": (
        "alpha could not be computed: too few answers, or items without variance"
    ),
    "validity_unjudged": "Scales this sample is too small to judge",
    "validity_small_sample": (
        "Too few respondents to judge these scales: their alpha rests on fewer than {min}"
        " respondents ({analysed} analysed in all). On so few, the interval around alpha runs"
        " from an unusable scale to a good one, and chance alone can make a sound scale look"
        " poor or a poor one sound: collect more answers before drawing conclusions about them."
    ),
    "validity_small_sample_mark": "fewer than {min} respondents: too few to read alpha",
    "validity_negative_alpha": (
        "A negative alpha ({scales}) means that the items of the scale are, on average,"
        " negatively related: they do not measure one thing in this sample, or an item worded"
        " the other way round is not marked as reversed in the instrument. Check the reversed"
        " items first."
    ),
    "validity_negative_alpha_small": "On so few respondents, chance alone can also produce it.",
    "validity_invariance_not_assessed": (
        "Comparability was not assessed: it needs at least two groups of at least {min}"
        " respondents each, the minimum the team reports apply too (below it a multi-group"
        " factor analysis accepts or refuses invariance largely by chance). {large} of"
        " {groups} groups reach it here (respondents per group: {sizes})."
    ),
    "validity_invariance_groups": (
        "Only the groups of at least {min} respondents take part, as in the team reports:"
        " {large} of {groups} here (respondents per group: {sizes})."
    ),
    "validity_invariance_not_fitted": (
        "the one-factor model could not be fitted, or did not converge, in every group"
    ),
    # -- sections added with the summary, items and methods pages ------------------------------
    "summary_title": "Summary",
    "summary_intro": (
        "Where your team stands, in plain words. Every statement below comes from the figures "
        "in the following pages; none of them is a verdict."
    ),
    "summary_participation": "{n} members of the team answered{rate}.",
    "summary_rate": ", {rate} of those invited",
    "summary_higher": (
        "Your team's scores are clearly higher than the rest of the organisation's on: {scales}."
    ),
    "summary_lower": (
        "Your team's scores are clearly lower than the rest of the organisation's on: {scales}."
    ),
    "summary_no_difference": (
        "On no scale does your team differ clearly from the rest of the organisation: the "
        "differences that appear are within what chance alone could produce."
    ),
    "summary_clearly": (
        '"Clearly" means that the 95 % confidence interval of the difference does not include zero.'
    ),
    "summary_most_least": (
        "Members agree most with the statements about {most}, with a mean of {most_mean}, and "
        "least with those about {least}, with a mean of {least_mean}, on a scale from {low} to "
        "{high}."
    ),
    "summary_plane": "On the plane of accountability your team is {profile}: {text}",
    "summary_plane_uncertain": (
        "This placement is uncertain: a confidence interval crosses a dividing line."
    ),
    "summary_plane_greyed": (
        "This placement rests on figures the statistics do not support as they stand "
        "({scales}): read it with the same care."
    ),
    "summary_trend_up": "Since the previous wave, scores rose clearly on: {scales}.",
    "summary_trend_down": "Since the previous wave, scores fell clearly on: {scales}.",
    "summary_trend_none": "Since the previous wave, no score changed clearly.",
    "summary_trend_unavailable": (
        "No change since the previous wave can be shown for this team: see the scale table."
    ),
    "summary_caveats": (
        "Read with care: on {scales}, the statistics do not support reading the figure as it "
        "stands; these figures are greyed, with the reason, wherever they appear."
    ),
    "summary_caveats_comparison": (
        "On {scales}, the statistics do not support comparing your team with the rest of the "
        "organisation as it stands: the difference is greyed, with the reason."
    ),
    "summary_no_difference_supported": (
        "On the scales where the statistics support a comparison, your team does not differ "
        "clearly from the rest of the organisation: the differences that appear are within "
        "what chance alone could produce."
    ),
    "summary_no_comparison": (
        "On no scale do the statistics support comparing your team with the rest of the "
        "organisation as it stands: the differences are greyed, with the reason."
    ),
    "summary_no_rest": (
        "There is no rest of the organisation to compare your team with: too few others "
        "answered in this campaign for their figures to be shown, so the report describes the "
        "team on its own."
    ),
    "accountability_title": "Accountability: horizontal, vertical, transversal",
    "accountability_intro": (
        "Horizontal accountability is felt towards peers and the practice they share; "
        "vertical accountability runs up the hierarchy; transversality says whether the two "
        "see each other. Each row shows your team's mean beside the rest of the "
        "organisation's, from {low} to {high}, with 95 % confidence intervals."
    ),
    "accountability_alt": (
        "Chart: the team's horizontal and vertical accountability and transversality beside "
        "the rest of the organisation, with 95 % confidence intervals."
    ),
    "identification_title": "Modes of identification",
    "identification_intro": (
        "How members locate themselves among the practices around them: by doing things "
        "with others (engagement), by picturing themselves as part of wider communities "
        "(imagination), and by coordinating their action with a wider frame (alignment). The "
        "three work together; none is better than the others."
    ),
    "identification_alt": (
        "Chart: the team's profile on engagement, imagination and alignment beside the rest "
        "of the organisation, with 95 % confidence intervals."
    ),
    "citizenship_title": "Learning citizenship",
    "citizenship_intro": (
        "How people invest their time and attention to raise the learning capability of the "
        "systems they take part in, facet by facet, with the overall score first."
    ),
    "citizenship_alt": (
        "Chart: learning citizenship and its five facets for the team beside the rest of the "
        "organisation, with 95 % confidence intervals."
    ),
    "greyed_note": "Greyed: {reasons}",
    "greyed_legend": "Greyed figures: the statistics do not support them as they stand",
    "previous_wave": "Previous wave",
    "change": "Change",
    "no_previous_wave_note": (
        "No previous wave: the change since the last campaign is shown from the second campaign on."
    ),
    "trend_not_shown": "not shown: {reason}",
    "trend_missing": "not in the previous wave",
    "trend_reason.shifted": "the scale's meaning shifted between waves",
    "trend_reason.few_previous": "the previous wave's report did not show it",
    "trend_reason.few_both": "the previous wave's report did not show it",
    "trend_reason.few_current": "too few answered in this wave",
    "trend_reason.untested": "it could not be compared between the waves",
    "trend_reason.facets": "not every facet can be compared between the waves",
    "caveat_rwg": (
        "low agreement: rwg(j) {value}, below {threshold}, so the mean may not be a view the "
        "team shares"
    ),
    "caveat_alpha": ("low reliability: alpha {value} in this campaign, below {threshold}"),
    "caveat_invariance": (
        "the comparison with the rest of the organisation is not supported: the scale may "
        "not mean the same in every team"
    ),
    "caveat_icc2": (
        "comparison not supported: team means on this scale are not reliably different "
        "across the organisation (ICC(2) {value}, below {threshold})"
    ),
    "items_title": "How the team answered each statement",
    "items_intro": (
        "For each statement, the share of the team's answers on each option, from "
        "disagreement (left) to agreement (right); 'does not apply' is not counted. The "
        "figures at either end add up the three options of disagreement and of agreement."
    ),
    "items_reverse_mark": "(R)",
    "items_reverse_legend": (
        "(R) reverse-keyed statement: agreeing with it lowers the scale's score. Its bar shows "
        "the answers as given; they are reversed only in the scale's mean."
    ),
    "items_low": "Disagree",
    "items_high": "Agree",
    "items_alt": "Chart: for each statement, the share of the team's answers on each option.",
    "item_unanimous": (
        "not shown: every answer fell in one option, which would reveal each person's answer"
    ),
    "item_too_few": "not shown: fewer than {n} answered this statement",
    "item_scale_hidden": "not shown: the scale is not shown for this team",
    "meaning_title": "What the scores mean",
    "meaning_intro": (
        "What each scale describes, after the social learning theory the survey is built on. "
        "A high score says that members recognise that way of working strongly; a low score "
        "that they recognise it little. Neither is good or bad in itself."
    ),
    "questions_title": "Questions for the team to discuss",
    "questions_intro": (
        "The report is a starting point for a conversation, not a conclusion. These questions "
        "may help the team read its own figures; the team knows its context better than any "
        "survey."
    ),
    "question_general_1": "Which figure surprised us, and what would explain it?",
    "question_general_2": (
        "Where do we disagree most among ourselves, and what does that disagreement tell us?"
    ),
    "question_general_3": "What would we like these figures to look like in a year, and why?",
    "methods_title": "Methods",
    "methods_participation": (
        "{n} members of the team answered{rate}. A team receives a report only when at least "
        "{k} of its members answered."
    ),
    "justified": "Team mean",
    "justified_yes": "supported",
    "justified_no": "not supported",
    "justified_person": "an average",
    "justified_note": (
        "'Team mean' says whether agreement within the team (rwg(j) of {threshold} or more) "
        "and the scale's reliability (alpha of {threshold} or more) support reading a "
        "team-level score as a property of the team; for scales about the person the team "
        "score is an average of persons, not supported when the scale's reliability is low. "
        "It is the verdict the greyed figures of this report follow."
    ),
    "agreement_skipped_note": (
        "Skipped answers: rwg(j) uses every answer each member gave, so a member who skipped "
        "one statement still counts on the others. Leaving out everyone who skipped anything, "
        "as some software does, would judge a team of 8 on about 6 of them when one answer in "
        "twenty is skipped, on fewer people than each statement was answered by."
    ),
    "invariance_title": "Comparability between teams",
    "invariance_not_assessed": (
        "Measurement invariance was not assessed for this campaign: it is tested only across "
        "departments of {min_n} respondents or more, at least two of them. Comparisons with the "
        "rest of the organisation assume that every scale means the same in every team."
    ),
    "invariance_assessed": (
        "Measurement invariance was assessed across the {groups} departments of {min_n} "
        "respondents or more: the means of {comparable} of {total} scales may be compared "
        "between teams."
    ),
    "invariance_not_comparable": "Not comparable: {scales}.",
    "exclusions_title": "Careless answers",
    "exclusions_body": (
        "{n} respondents of the whole organisation were flagged as careless by the rules "
        "below. They are left out of the scales' reliability, not of any group's figures, "
        "which would let a team count its flagged members. No count is given per team."
    ),
    "confidentiality_title": "Confidentiality rules applied",
    "confidentiality_min": (
        "Minimum group size: no figure is shown for a group of fewer than {k} respondents, "
        "nor for a scale answered by fewer than {k} members of the team."
    ),
    "confidentiality_complementary": (
        "No subtraction: every figure pools whole groups of at least {k} (a team, or small "
        "teams pooled together up the organisation chart), so the organisation minus this "
        "team, or any other difference of figures, never leaves a group of fewer than {k}."
    ),
    "confidentiality_distributions": (
        "Distributions: a statement's answers are shown only when at least {k} members "
        "answered it and the answers fall in more than one option; otherwise the chart would "
        "reveal what each person answered."
    ),
    "confidentiality_pointer": (
        "The rules and their proof are written for works councils in docs/confidentiality.md "
        "of the project."
    ),
    # -- department (subtree) report ---------------------------------------------------------
    "dept_report_title": "Department report",
    "kind.organisation": "Organisation",
    "kind.department": "Department",
    "kind.team": "Team",
    "dept_kind": "Level",
    "dept_parent": "Part of",
    "dept_pooled": "In its figures",
    "dept_about": (
        "This report describes how the teams of {unit} answered a survey on how they work and "
        "learn together, beside the rest of the organisation. It describes; it does not grade: "
        "no score and no profile is the right one. Each team with enough respondents also "
        "receives its own report."
    ),
    "dept_about_privacy": (
        "Answers are anonymous. A figure is shown only when it pools at least {k} people: a "
        "smaller team is counted in pooled figures, never shown on its own."
    ),
    "dept_pooling": (
        "The figures of {unit} pool its teams shown here, and its teams without a report "
        "wherever, pooled together within {unit}, they reach {k}. A small team pooled further "
        "up the organisation chart, or reaching {k} nowhere, is counted in the response rates "
        "only. So {unit} minus its teams shown leaves nobody or a group of at least {k}."
    ),
    "dept_scores_title": "Scores against the rest of the organisation",
    "dept_scores_intro": (
        "Each row shows the mean of {unit} and the mean of the rest of the organisation, on "
        "the response scale from {low} (strongly disagree) to {high} (strongly agree). Lines "
        "show 95 % confidence intervals; the dashed line marks the middle of the scale."
    ),
    "dept_scores_alt": (
        "Chart: the unit's mean on each scale beside the rest of the organisation's, with 95 % "
        "confidence intervals. The table that follows gives the numbers."
    ),
    "dept_no_rest_intro": (
        "{unit} holds every respondent the organisation's figures pool: there is no rest of the "
        "organisation to compare it with."
    ),
    "dept_this_unit": "This unit",
    "dept_unit_mean": "Unit",
    "dept_cohens_d": "d",
    "dept_diff_note": (
        "The difference is the unit's mean minus the rest of the organisation's; d is that "
        "difference in standard deviations. When its interval does not include zero, the "
        "difference is unlikely to be due to chance alone; it is still a description, not a "
        "verdict."
    ),
    "dept_hidden_reason": "not shown: fewer than {n} of those in this unit's figures answered it",
    "dept_no_rest": "no rest of the organisation to compare with",
    "dept_rest_hidden": "the rest of the organisation: fewer than {n} answered",
    "dept_participation_intro": (
        "Respondents are the responses received in each team of {unit}. A team with fewer "
        "than {n} respondents receives no report and is not shown on its own; its status says "
        "which figures count its respondents instead. Every team counts in the response rates."
    ),
    "dept_within": "Within",
    "dept_all_teams": "All of {unit}",
    "dept_status": "{reason}; {where}",
    "dept_counted_here": "counted in this unit's figures, not shown on its own",
    "dept_counted_above": (
        "pooled with small teams outside this unit: counted in the figures of {unit}, not in "
        "this report's"
    ),
    "dept_counted_nowhere": (
        "counted in no figure: pooled with the other small teams, it reaches {n} nowhere"
    ),
    "dept_refused_few": (
        "{respondents} respondents in this unit and the teams under it, fewer than the minimum "
        "of {n}"
    ),
    "dept_refused_above": (
        "its respondents are counted only in figures of units above it, pooled with small "
        "teams outside it"
    ),
    "dept_heat_title": "Its teams side by side",
    "dept_heat_intro": (
        "Each cell is the mean score of a team of {unit} with a report on a scale, from {low} "
        "to {high}; darker cells are higher. Colour shows how strongly members recognise a way "
        "of working, not quality. Teams without a report do not appear: see the participation."
    ),
    "dept_heat_none": (
        "No team of {unit} has figures of its own: only the unit's pooled figures are shown."
    ),
    "dept_profiles_none": "No team of this unit can be placed on the plane.",
    "dept_rwg_median": "median of its teams",
    "dept_methods_participation": (
        "{n} people answered in {unit}{rate}; its figures pool {pooled} of them. A team "
        "receives a report only when at least {k} of its members answered."
    ),
    "dept_confidentiality_min": (
        "Minimum group size: no figure is shown for a group of fewer than {k} respondents, be "
        "it a team, this unit or the rest of the organisation, nor for a scale answered by "
        "fewer than {k} of a group; the reason is printed instead."
    ),
    "dept_confidentiality_complementary": (
        "No subtraction: the figures of this unit, of its teams and of the rest of the "
        "organisation each pool whole groups of at least {k} (a team, or small teams pooled "
        "together up the organisation chart), so this unit minus its teams shown, the "
        "organisation minus this unit, or any other difference of figures, never leaves a "
        "group of fewer than {k}."
    ),
    "dept_confidentiality_distributions": (
        "Distributions: this report shows no distribution of answers; a team's own report shows "
        "a statement's answers only when at least {k} members answered it and the answers fall "
        "in more than one option."
    ),
}
