"""Demo data for Muster, built only from public figures.

Every figure names its source key (see SOURCES). Anything no public source gives — site
capacities, course lengths, most pledge sizes, needs and requests — is marked ILLUSTRATIVE:
plausible numbers chosen to exercise the planner, not facts. Nothing here is classified or
personal; cohorts are counts, never names.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "kallas-2025-08-29": "https://unn.ua/en/news/eu-ministers-support-military-training-in-ukraine-after-ceasefire-kallas",
    "infoquest-2025-08": "https://infoquestnetwork.com/widespread-backing-for-dispatching-eu-military-trainers-to-ukraine-after-ceasefire/amp",
    "news-report": "shared/reference/000_1156e537dee5dc41.txt (report on the Copenhagen meeting, 29 Aug 2025)",
    "council-2024-11-08": "https://sofiaglobe.com/2024/11/08/eu-extends-mandate-of-eu-military-assistance-mission-for-ukraine-for-two-years/",
    "bundeswehr-2025-05": "https://www.bundeswehr.de/en/about-bundeswehr/mission-and-tasks-bundeswehr/germany-eumam-ua",
    "eeas-strausberg": "https://eeas.europa.eu/eeas/strong-together-eu-and-nato-intensify-training-cooperation-strausberg_en",
    "eu4ukraine-launch": "https://eu4ukraine.eu/en/whats-happening-en/news-en/new-eu-military-support-mission-to-ukraine-en.html",
    "babel-catc": "https://babel.ua/en/news/86262-the-eu-mission-for-the-training-of-the-ukrainian-military-received-a-commander-its-start-is-in-november",
    "defence-network-stc": "https://defence-network.com/eumam-ua-ueber-20-000-ukrainische-soldaten",
    "safe-regulation": "https://eur-lex.europa.eu/eli/reg/2025/1106/oj/eng",
    "safe-allocation-2025-09-09": "https://www.twobirds.com/en/insights/2025/australia/key-developments-in-the-safe-regulation-implementation-progress-and-challenges",
    "roadmap-2025-10-16": "https://www.eeas.europa.eu/eeas/defence-readiness-roadmap-press-remarks-high-representativevice-president-kaja-kallas-press_en",
    "agensir-coalitions": "https://www.agensir.it/?p=1518491",
    "euco-2025-10-23": "https://continental-affairs.eu/eu-leaders-set-2026-timeline-to-close-defence-gaps/",
    "paris-summit-2025-09-04": "https://www.dawn.com/news/1939771/26-countries-commit-to-ukraine-deployment-if-peace-agreed",
    "readtrends-2025-09": "https://readtrends.com/en/?p=1068",
    "mnfu-structure-2025-07-10": "https://unn.ua/en/news/coalition-of-the-willing-will-get-headquarters-in-paris-and-a-coordination-group-will-be-formed-in-kyiv-media",
    "voiceofvienna-backstop": "https://voiceofvienna.org/europe-ready-for-ukraine-security-guarantees-awaits-u-s-backing/",
    "particle-2025-08": "https://particle.news/story/eu-ministers-back-post-truce-plan-to-train-ukrainian-troops-inside-ukraine",
    "illustrative": "ILLUSTRATIVE: no public source; a plausible figure for the demo",
}

# (code, EU, NATO, EEA-EFTA, EUMAM contributor, coalition member, partner)
# EU/NATO/EEA membership is public record. Which 24 EU states contribute to EUMAM is not
# published as a list (source: kallas-2025-08-29 gives "24 EU countries and Norway"); the
# three non-contributors below are ILLUSTRATIVE. Coalition membership (about thirty nations,
# news-report; 26 formally committed, paris-summit-2025-09-04) is ILLUSTRATIVE per nation.
NATIONS: list[tuple[str, bool, bool, bool, bool, bool, bool]] = [
    ("AT", True, False, False, True, False, False),
    ("BE", True, True, False, True, True, False),
    ("BG", True, True, False, True, False, False),
    ("HR", True, True, False, True, True, False),
    ("CY", True, False, False, False, False, False),
    ("CZ", True, True, False, True, True, False),
    ("DK", True, True, False, True, True, False),
    ("EE", True, True, False, True, True, False),
    ("FI", True, True, False, True, True, False),
    ("FR", True, True, False, True, True, False),
    ("DE", True, True, False, True, True, False),
    ("GR", True, True, False, True, False, False),
    ("HU", True, True, False, False, False, False),
    ("IE", True, False, False, True, True, False),
    ("IT", True, True, False, True, True, False),
    ("LV", True, True, False, True, True, False),
    ("LT", True, True, False, True, True, False),
    ("LU", True, True, False, True, True, False),
    ("MT", True, False, False, False, False, False),
    ("NL", True, True, False, True, True, False),
    ("PL", True, True, False, True, True, False),
    ("PT", True, True, False, True, True, False),
    ("RO", True, True, False, True, True, False),
    ("SK", True, True, False, True, False, False),
    ("SI", True, True, False, True, True, False),
    ("ES", True, True, False, True, True, False),
    ("SE", True, True, False, True, True, False),
    ("NO", False, True, True, True, True, False),
    ("IS", False, True, True, False, True, False),
    ("LI", False, False, True, False, False, False),
    ("GB", False, True, False, False, True, True),
    ("CA", False, True, False, False, True, True),
    ("TR", False, True, False, False, True, True),
    ("AU", False, False, False, False, True, True),
    ("NZ", False, False, False, False, True, True),
    ("JP", False, False, False, False, True, True),
    ("US", False, True, False, False, False, True),
    ("UA", False, False, False, False, False, False),
]

PHASES = [
    ("hostilities", 0, "Active hostilities; training only on EU soil"),
    ("truce", 1, "A truce is observed but no formal ceasefire is in force"),
    ("ceasefire", 2, "A formal ceasefire is in force"),
    ("peace", 3, "A peace agreement is in force"),
]

# Nine capability areas (roadmap-2025-10-16: "nine capability areas"; eight named in
# agensir-coalitions; the ninth, strategic enablers, is inferred). Learning-curve rates are
# ILLUSTRATIVE.
PRIORITY_AREAS = [
    ("air_missile_defence", "Air and missile defence", "0.08"),
    ("drones_counter_drone", "Drones and counter-drone systems", "0.15"),
    ("ammunition_missiles", "Ammunition and missiles", "0.10"),
    ("artillery", "Artillery systems", "0.10"),
    ("ground_combat", "Ground combat capabilities", "0.08"),
    ("military_mobility", "Military mobility", "0.06"),
    ("maritime", "Maritime", "0.06"),
    ("cyber_ai_ew", "Cyber, AI and electronic warfare", "0.12"),
    ("strategic_enablers", "Strategic enablers and critical infrastructure protection", "0.05"),
]

# Lead-nation deadline 31 Oct 2025 as reported (news-report); the European Council later
# gave end-2025 (euco-2025-10-23). Drones coalition led by NL and LV (roadmap-2025-10-16);
# DE's interest in air defence is public (euco-2025-10-23) but no designation is, so the
# other leads are left open for the deadline board to flag.
COALITIONS = [
    # area, lead, members, lead deadline, contract deadline, status, source
    (
        "drones_counter_drone",
        "NL",
        ["NL", "LV", "LT", "EE", "PL", "DK"],
        "2025-10-31",
        "2026-06-30",
        "lead_designated",
        "roadmap-2025-10-16",
    ),
    (
        "air_missile_defence",
        None,
        ["DE", "PL", "NL", "LT", "RO"],
        "2025-10-31",
        "2026-06-30",
        "forming",
        "euco-2025-10-23",
    ),
    (
        "artillery",
        None,
        ["FR", "BE", "PT"],
        "2025-10-31",
        "2026-06-30",
        "forming",
        "euco-2025-10-23",
    ),
    (
        "ammunition_missiles",
        None,
        ["PL", "CZ", "SK", "BG"],
        "2025-10-31",
        "2026-06-30",
        "forming",
        "illustrative",
    ),
    ("ground_combat", None, ["DE", "IT"], "2025-10-31", "2026-06-30", "forming", "illustrative"),
    (
        "military_mobility",
        None,
        ["LT", "LV", "EE", "PL"],
        "2025-10-31",
        None,
        "forming",
        "illustrative",
    ),
    ("maritime", None, ["RO", "BG", "GR"], "2025-10-31", None, "forming", "illustrative"),
    ("cyber_ai_ew", None, ["EE", "FI"], "2025-10-31", None, "forming", "illustrative"),
    ("strategic_enablers", None, [], "2025-10-31", None, "forming", "illustrative"),
]

# Course catalogue: the kinds of training are public (eeas-strausberg, defence-network-stc:
# combat training, medical, command and control, EOD/demining, maintenance, artillery on
# PzH 2000, leaders); lengths, class sizes and instructor ratios are ILLUSTRATIVE.
COURSES = [
    # code, name, category, weeks, class size, instructors per class
    ("BASIC", "Basic combat training", "infantry", 5, 40, 4),
    ("INF-SQD", "Infantry squad and platoon tactics", "infantry", 4, 30, 4),
    ("LEADER", "Junior leader course", "leadership", 4, 20, 3),
    ("STAFF", "Company to brigade staff training", "staff", 3, 20, 4),
    ("MEDIC", "Combat medic", "medical", 4, 24, 3),
    ("SAPPER", "Combat engineer (sapper)", "engineer", 5, 24, 4),
    ("DEMINE", "Mine reconnaissance and clearance", "engineer", 4, 16, 4),
    ("EOD", "Explosive ordnance disposal", "engineer", 6, 12, 3),
    ("ARTY-155", "155 mm self-propelled artillery crew", "artillery", 6, 20, 5),
    ("AD-SHORAD", "Short-range air defence crew", "air_defence", 6, 16, 4),
    ("MAINT", "Weapon-system maintenance", "maintenance", 5, 16, 3),
    ("DRONE", "UAS operator", "drones", 3, 20, 3),
]

# Sites. CAT-C in Poland and ST-C at Strausberg are public (eeas-strausberg, babel-catc);
# training is "primarily in Poland and Germany" (eeas-strausberg). Capacities, coordinates
# rounded to towns, the other hosts and all sites in Ukraine are ILLUSTRATIVE. Sites in
# Ukraine open only after a ceasefire, a security clearance and the change of the EUMAM
# mandate, which needs all 27 member states (kallas-2025-08-29; see MANDATE_POSITIONS).
SITES = [
    # name, host, lat, lon, weekly capacity, courses, condition, zone
    (
        "Zagan (CAT-C)",
        "PL",
        51.62,
        15.32,
        1600,
        ["BASIC", "INF-SQD", "LEADER", "SAPPER", "MEDIC"],
        "",
        None,
    ),
    ("Nowa Deba", "PL", 50.43, 21.75, 900, ["BASIC", "INF-SQD", "ARTY-155"], "", None),
    ("Brzeg", "PL", 50.86, 17.47, 700, ["BASIC", "MEDIC", "DRONE"], "", None),
    ("Strausberg (ST-C)", "DE", 52.58, 13.88, 300, ["STAFF", "LEADER"], "", None),
    ("Klietz training area", "DE", 52.67, 12.06, 1000, ["BASIC", "INF-SQD", "SAPPER"], "", None),
    ("Idar-Oberstein artillery school", "DE", 49.71, 7.31, 250, ["ARTY-155", "MAINT"], "", None),
    ("Munster training area", "DE", 52.99, 10.09, 800, ["INF-SQD", "MAINT", "AD-SHORAD"], "", None),
    ("Bourg-Lastic", "FR", 45.65, 2.58, 400, ["BASIC", "INF-SQD"], "", None),
    ("Toledo", "ES", 39.86, -4.02, 300, ["BASIC", "DEMINE", "MEDIC"], "", None),
    ("Oirschot", "NL", 51.50, 5.31, 250, ["DRONE", "LEADER"], "", None),
    ("Skrunda", "LV", 56.68, 22.02, 200, ["DRONE", "MEDIC"], "", None),
    ("Tapa", "EE", 59.26, 25.96, 200, ["INF-SQD", "SAPPER"], "", None),
    (
        "Yavoriv",
        "UA",
        49.94,
        23.38,
        1500,
        ["BASIC", "INF-SQD", "SAPPER", "DEMINE"],
        "phase >= ceasefire and site_yavoriv_cleared and mandate_amended",
        "western_non_combat",
    ),
    (
        "Lviv",
        "UA",
        49.84,
        24.03,
        600,
        ["MEDIC", "LEADER", "STAFF"],
        "phase >= ceasefire and site_lviv_cleared and mandate_amended",
        "western_non_combat",
    ),
    (
        "Uzhhorod",
        "UA",
        48.62,
        22.29,
        400,
        ["DEMINE", "EOD", "MAINT"],
        "phase >= ceasefire and site_uzhhorod_cleared and mandate_amended",
        "western_non_combat",
    ),
]

# Instructor pledges. Stated positions are public: Estonia ready to send instructors but
# wants Ukrainian forces prepared; Latvia wants agreed ceasefire parameters first
# (news-report, infoquest-2025-08); some nations want a US backstop (news-report).
# Numbers of instructors are ILLUSTRATIVE. Weeks run through the demo horizon.
PLEDGES = [
    # nation, category, instructors, from, to, eu_soil_only, ukraine_condition, condition,
    # status, source
    ("PL", "infantry", 60, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    (
        "DE",
        "infantry",
        48,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and ceasefire_parameters_agreed",
        "",
        "confirmed",
        "illustrative",
    ),
    ("DE", "staff", 16, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    ("DE", "artillery", 20, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    (
        "DE",
        "air_defence",
        12,
        "2026-01-05",
        "2027-12-27",
        True,
        "",
        "",
        "confirmed",
        "illustrative",
    ),
    (
        "FR",
        "infantry",
        30,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire",
        "",
        "confirmed",
        "illustrative",
    ),
    (
        "NL",
        "drones",
        9,
        "2026-01-05",
        "2027-06-28",
        False,
        "phase >= ceasefire",
        "",
        "confirmed",
        "illustrative",
    ),
    (
        "LV",
        "drones",
        6,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and ceasefire_parameters_agreed",
        "",
        "offered",
        "news-report",
    ),
    (
        "EE",
        "infantry",
        12,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and ukrainian_forces_prepared",
        "",
        "offered",
        "news-report",
    ),
    (
        "LT",
        "medical",
        9,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and ceasefire_parameters_agreed",
        "",
        "offered",
        "illustrative",
    ),
    ("ES", "engineer", 12, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    ("ES", "medical", 9, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    (
        "IT",
        "engineer",
        8,
        "2026-01-05",
        "2027-12-27",
        True,
        "",
        "",
        "confirmed",
        "paris-summit-2025-09-04",
    ),
    (
        "SE",
        "leadership",
        9,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and us_backstop",
        "",
        "offered",
        "news-report",
    ),
    (
        "FI",
        "engineer",
        8,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and us_backstop",
        "",
        "offered",
        "news-report",
    ),
    ("DK", "maintenance", 6, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    (
        "NO",
        "medical",
        6,
        "2026-01-05",
        "2027-12-27",
        False,
        "phase >= ceasefire and parliamentary_approval",
        "",
        "offered",
        "illustrative",
    ),
    ("CZ", "artillery", 10, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    ("RO", "infantry", 8, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
    ("BE", "leadership", 6, "2026-01-05", "2027-12-27", True, "", "", "confirmed", "illustrative"),
]

# Ukraine's training requests: ILLUSTRATIVE.
REQUESTS = [
    # course, trainees, earliest start, latest end, priority
    ("BASIC", 4000, "2026-12-07", "2027-06-28", 4),
    ("INF-SQD", 1800, "2026-12-07", "2027-06-28", 4),
    ("LEADER", 400, "2027-01-04", "2027-05-31", 5),
    ("STAFF", 200, "2027-01-04", "2027-04-26", 3),
    ("MEDIC", 600, "2026-12-07", "2027-05-31", 5),
    ("SAPPER", 500, "2027-01-04", "2027-06-28", 3),
    ("DEMINE", 320, "2027-02-01", "2027-09-27", 4),
    ("EOD", 96, "2027-02-01", "2027-09-27", 3),
    ("ARTY-155", 240, "2027-01-04", "2027-06-28", 5),
    ("AD-SHORAD", 160, "2027-01-04", "2027-06-28", 5),
    ("MAINT", 192, "2027-01-04", "2027-07-26", 2),
    ("DRONE", 480, "2026-12-07", "2027-04-26", 4),
]

# Public milestones of the cumulative number trained.
TRAINING_TOTALS = [
    ("2022-11-14", 0, "eu4ukraine-launch"),
    ("2024-11-04", 63000, "council-2024-11-08"),
    ("2025-05-05", 75000, "bundeswehr-2025-05"),
    ("2025-08-25", 80000, "kallas-2025-08-29"),
]

# Named conditions with today's truth. US backstop details were not finalised
# (voiceofvienna-backstop); no ceasefire parameters are agreed (news-report).
CONDITIONS = [
    ("us_backstop", "The United States backs the force with air defence and intelligence", False),
    ("ceasefire_parameters_agreed", "The parameters of a ceasefire are agreed", False),
    ("ukrainian_forces_prepared", "Ukrainian forces are prepared and rotated for training", False),
    ("parliamentary_approval", "A national parliament has approved deployment", False),
    ("site_yavoriv_cleared", "Yavoriv site security cleared", False),
    ("site_lviv_cleared", "Lviv site security cleared", False),
    ("site_uzhhorod_cleared", "Uzhhorod site security cleared", False),
]

# Scenarios: the reality (hostilities since 24 Feb 2022) and two what-ifs (ILLUSTRATIVE).
SCENARIOS = [
    (
        "Reality",
        "The current state: hostilities continue",
        True,
        [("2022-02-21", "hostilities", "Full-scale invasion")],
    ),
    (
        "Ceasefire next month",
        "A truce in December, a formal ceasefire in January",
        False,
        [
            ("2022-02-21", "hostilities", ""),
            ("2026-12-07", "truce", ""),
            ("2027-01-04", "ceasefire", "Formal ceasefire declared"),
        ],
    ),
    (
        "Ceasefire in spring, breach in summer",
        "Ceasefire in April 2027, breached in July",
        False,
        [
            ("2022-02-21", "hostilities", ""),
            ("2027-04-05", "ceasefire", ""),
            ("2027-07-05", "breach", "Ceasefire breached"),
        ],
    ),
]

# The mandate proposal. Defence ministers "broadly supported expanding the mandate" of EUMAM
# Ukraine to train in Ukraine after any truce; the change needs unanimity of all 27
# (kallas-2025-08-29). Only the positions public reporting gives per state are recorded:
# Latvia (Sprūds: clear agreement on the parameters of a ceasefire or peace agreement first)
# and Estonia (Pevkur: ready to send instructors, Ukrainian forces must be prepared)
# (news-report, infoquest-2025-08). Reports that Hungary could block (particle-2025-08) are
# not a stated position, so Hungary, like the other 24, has none recorded: they block.
MANDATE_PROPOSAL = (
    "Amend EUMAM Ukraine mandate to allow training on Ukrainian soil",
    "Expand the mandate of the EU Military Assistance Mission in support of Ukraine so that "
    "it can train Ukrainian forces inside Ukraine after a truce or ceasefire. Needs the "
    "unanimous agreement of the EU member states.",
    "kallas-2025-08-29",
)
MANDATE_POSITIONS = [
    # nation, stance, stated conditions, condition expression, date, sources
    (
        "LV",
        "support_with_conditions",
        "Training in Ukraine needs clear agreement on the parameters of a ceasefire or peace "
        "agreement (Defence Minister Andris Sprūds)",
        "ceasefire_parameters_agreed",
        "2025-08-29",
        ("news-report", "infoquest-2025-08"),
    ),
    (
        "EE",
        "support_with_conditions",
        "Ready to send instructors; Ukrainian forces must be adequately prepared for the "
        "training (Defence Minister Hanno Pevkur)",
        "ukrainian_forces_prepared",
        "2025-08-29",
        ("news-report", "infoquest-2025-08"),
    ),
]
# A what-if flipping one position: ILLUSTRATIVE, not reported by any source.
MANDATE_WHAT_IF = (
    "What-if: Latvia drops its condition",
    "ILLUSTRATIVE: Latvia supports the mandate change without conditions from December 2026; "
    "the phase stays as in reality",
    [("2022-02-21", "hostilities", "")],
    ("LV", "support", "2026-12-07"),
)

# Force requirements for a reassurance force away from the front, an HQ with a Kyiv
# coordination cell, air policing and air defence, maritime security (mnfu-structure-
# 2025-07-10, voiceofvienna-backstop). Quantities are ILLUSTRATIVE.
REQUIREMENTS = [
    # capability, zone, quantity, unit, phase_from, rotation weeks, priority
    ("infantry_battalion", "western_non_combat", 6, "battalions", "ceasefire", 26, 4),
    ("hq_staff", "kyiv_hq", 200, "personnel", "ceasefire", 26, 5),
    ("fighter_squadron", "airspace", 4, "squadrons", "ceasefire", 17, 4),
    ("air_defence_battery", "western_non_combat", 6, "batteries", "ceasefire", 26, 5),
    ("isr", "airspace", 2, "orbits", "ceasefire", 26, 4),
    ("maritime_escort", "black_sea", 4, "ships", "ceasefire", 17, 3),
    ("mine_countermeasures", "black_sea", 3, "ships", "ceasefire", 17, 3),
    ("logistics", "western_non_combat", 1500, "personnel", "ceasefire", 26, 3),
    ("medical", "western_non_combat", 300, "personnel", "ceasefire", 26, 3),
    ("instructors", "western_non_combat", 400, "personnel", "ceasefire", 26, 4),
]

# Contributions. Public: FR and GB lead the reassurance force and HQ (mnfu-structure-
# 2025-07-10); the US offers intelligence and air defence but no troops (news-report,
# voiceofvienna-backstop); Germany offered air defence and equipment (readtrends-2025-09);
# Italy offers monitoring and training outside Ukraine, no troops (paris-summit-2025-09-04);
# some nations commit only with a US backstop (news-report). Sizes are ILLUSTRATIVE.
CONTRIBUTIONS = [
    # nation, kind, capability, qty, unit, zones, condition, status, source
    (
        "FR",
        "troops",
        "infantry_battalion",
        2,
        "battalions",
        ["western_non_combat"],
        "phase >= ceasefire",
        "offered",
        "mnfu-structure-2025-07-10",
    ),
    (
        "GB",
        "troops",
        "infantry_battalion",
        2,
        "battalions",
        ["western_non_combat"],
        "phase >= ceasefire",
        "offered",
        "mnfu-structure-2025-07-10",
    ),
    (
        "GB",
        "troops",
        "hq_staff",
        80,
        "personnel",
        ["kyiv_hq"],
        "phase >= ceasefire",
        "offered",
        "mnfu-structure-2025-07-10",
    ),
    (
        "FR",
        "troops",
        "hq_staff",
        60,
        "personnel",
        ["kyiv_hq"],
        "phase >= ceasefire",
        "offered",
        "mnfu-structure-2025-07-10",
    ),
    (
        "US",
        "intelligence",
        "isr",
        2,
        "orbits",
        ["airspace"],
        "",
        "offered",
        "voiceofvienna-backstop",
    ),
    (
        "US",
        "air_defence",
        "air_defence_battery",
        2,
        "batteries",
        ["western_non_combat"],
        "phase >= ceasefire",
        "offered",
        "voiceofvienna-backstop",
    ),
    (
        "DE",
        "air_defence",
        "air_defence_battery",
        2,
        "batteries",
        ["western_non_combat"],
        "phase >= ceasefire",
        "offered",
        "readtrends-2025-09",
    ),
    (
        "IT",
        "instructors",
        "instructors",
        100,
        "personnel",
        ["eu_soil"],
        "",
        "offered",
        "paris-summit-2025-09-04",
    ),
    (
        "NL",
        "troops",
        "fighter_squadron",
        1,
        "squadrons",
        ["airspace"],
        "phase >= ceasefire and us_backstop",
        "offered",
        "illustrative",
    ),
    (
        "DK",
        "troops",
        "fighter_squadron",
        1,
        "squadrons",
        ["airspace"],
        "phase >= ceasefire and us_backstop",
        "offered",
        "illustrative",
    ),
    (
        "BE",
        "troops",
        "infantry_battalion",
        1,
        "battalions",
        ["western_non_combat"],
        "phase >= ceasefire and us_backstop and parliamentary_approval",
        "offered",
        "illustrative",
    ),
    (
        "SE",
        "troops",
        "infantry_battalion",
        1,
        "battalions",
        ["western_non_combat"],
        "phase >= ceasefire and us_backstop",
        "offered",
        "illustrative",
    ),
    (
        "TR",
        "troops",
        "maritime_escort",
        2,
        "ships",
        ["black_sea"],
        "phase >= ceasefire",
        "offered",
        "illustrative",
    ),
    (
        "RO",
        "troops",
        "mine_countermeasures",
        1,
        "ships",
        ["black_sea"],
        "phase >= ceasefire",
        "offered",
        "illustrative",
    ),
    (
        "EE",
        "troops",
        "logistics",
        150,
        "personnel",
        ["western_non_combat"],
        "phase >= ceasefire and parliamentary_approval",
        "offered",
        "illustrative",
    ),
    (
        "CA",
        "troops",
        "medical",
        120,
        "personnel",
        ["western_non_combat"],
        "phase >= ceasefire",
        "offered",
        "illustrative",
    ),
    ("NO", "funding", None, 0, "EUR", [], "", "confirmed", "illustrative"),
]

# Capability substitutions the sourcing optimizer may use: one unit of `provided` counts as
# `ratio` units of `required`. ILLUSTRATIVE: a mechanised battalion can carry out a
# reassurance battalion's task; four infantry companies make up a battalion; a frigate can
# escort like an escort ship.
CAPABILITY_SUBSTITUTIONS = [
    # provided, required, ratio, source
    ("mechanised_battalion", "infantry_battalion", 1.0, "illustrative"),
    ("infantry_company", "infantry_battalion", 0.25, "illustrative"),
    ("frigate", "maritime_escort", 1.0, "illustrative"),
]

# SAFE tentative allocation per country, Commission, 9 Sep 2025 (safe-allocation-2025-09-09),
# in euro; used as the loan requests of the demo.
LOAN_REQUESTS = [
    ("PL", 43_734_100_805),
    ("RO", 16_680_055_394),
    ("FR", 16_216_720_524),
    ("HU", 16_216_720_524),
    ("IT", 14_900_000_000),
    ("BE", 8_340_027_698),
    ("LT", 6_375_487_840),
    ("PT", 5_841_179_332),
    ("LV", 5_680_431_322),
    ("BG", 3_261_700_000),
    ("EE", 2_660_932_171),
    ("SK", 2_316_674_361),
    ("CZ", 2_060_000_000),
    ("HR", 1_700_000_000),
    ("CY", 1_181_503_924),
    ("FI", 1_000_000_000),
    ("ES", 1_000_000_000),
    ("GR", 787_669_283),
    ("DK", 46_796_822),
]

# Needs: ILLUSTRATIVE items and unit costs in euro.
NEEDS = [
    # nation, area, item, quantity, unit cost (EUR), delivery year
    ("PL", "air_missile_defence", "medium-range air defence fire unit", 4, 180_000_000, 2028),
    ("LT", "air_missile_defence", "medium-range air defence fire unit", 2, 180_000_000, 2028),
    ("RO", "air_missile_defence", "medium-range air defence fire unit", 2, 180_000_000, 2029),
    ("LV", "drones_counter_drone", "short-range counter-drone system", 40, 2_500_000, 2027),
    ("EE", "drones_counter_drone", "short-range counter-drone system", 30, 2_500_000, 2027),
    ("LT", "drones_counter_drone", "short-range counter-drone system", 50, 2_500_000, 2027),
    ("UA", "drones_counter_drone", "short-range counter-drone system", 200, 2_500_000, 2027),
    ("PL", "ammunition_missiles", "155 mm artillery shell", 200_000, 4_000, 2027),
    ("CZ", "ammunition_missiles", "155 mm artillery shell", 80_000, 4_000, 2027),
    ("SK", "ammunition_missiles", "155 mm artillery shell", 50_000, 4_000, 2027),
    ("FR", "artillery", "155 mm wheeled howitzer", 24, 5_000_000, 2029),
    ("BE", "artillery", "155 mm wheeled howitzer", 12, 5_000_000, 2029),
    ("PT", "artillery", "155 mm wheeled howitzer", 6, 5_000_000, 2030),
    ("IT", "ground_combat", "infantry fighting vehicle", 60, 8_000_000, 2030),
    ("BG", "maritime", "mine countermeasure vessel", 2, 150_000_000, 2031),
    ("RO", "maritime", "mine countermeasure vessel", 2, 150_000_000, 2031),
]

# Joint procurements already proposed: ILLUSTRATIVE.
JOINT_PROCUREMENTS = [
    (
        "LT",
        ["LT", "LV", "EE", "UA"],
        "drones_counter_drone",
        "short-range counter-drone system",
        320,
        "0.80",
        "proposed",
        None,
    ),
    (
        "PL",
        ["PL", "CZ"],
        "ammunition_missiles",
        "155 mm artillery shell",
        280_000,
        "0.70",
        "tendering",
        None,
    ),
]

DEMO_USERS = [
    # username, role, nation
    ("admin", "admin", None),
    ("planner", "planner", None),
    ("observer", "observer", None),
    ("liaison", "liaison", "UA"),
    ("latvia", "nation", "LV"),
    ("estonia", "nation", "EE"),
]
