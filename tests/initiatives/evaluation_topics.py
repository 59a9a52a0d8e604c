"""The kinds of work the evaluation set is made of: twenty topics, each with three
independently written English wordings and a later title (used by make_evaluation_set.py)."""

from dataclasses import dataclass

STATES = {
    "BN": "Brunei Darussalam",
    "KH": "Cambodia",
    "ID": "Indonesia",
    "LA": "Lao PDR",
    "MY": "Malaysia",
    "MM": "Myanmar",
    "PH": "the Philippines",
    "SG": "Singapore",
    "TH": "Thailand",
    "VN": "Viet Nam",
    "TL": "Timor-Leste",
}
CITIES = ["Bangkok", "Singapore", "Jakarta", "Kuala Lumpur", "Manila", "Hanoi", "Phnom Penh"]
BODIES = ["ADGMIN", "SOMTC-WG-CC", "ARF-ISM-ICTS", "ADMM-EWG-CS", "AMM", "CYBER-CC", "AMRI"]
PROGRAMMES = ["ACCP", "ASCCE", "AJCCBC", "ASEAN-Australia", "ASEAN-EU", "ASEAN-US", "ASEAN-Korea"]


@dataclass(frozen=True)
class Wording:
    title: str
    summary: str
    activities: str


@dataclass(frozen=True)
class Topic:
    key: str
    themes: tuple[str, ...]
    audience: tuple[str, ...]
    bodies: tuple[str, ...]
    wordings: tuple[Wording, Wording, Wording]
    renamed: str  # a later title for the same training


TOPICS = (
    Topic(
        "incident-response",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "ARF-ISM-ICTS"),
        (
            Wording(
                "Incident response training for national CERTs",
                "Hands-on incident response training for analysts of the national CERTs of "
                "{states}, covering triage, containment, eradication and lessons learned.",
                "Five-day course in {city}; live-fire labs on a shared cyber range; "
                "a playbook template each team adapts at home.",
            ),
            Wording(
                "Building incident handling skills in CSIRTs",
                "A course for CSIRT staff from {states} on handling incidents end to end: "
                "detection, triage, containment and recovery, with a focus on coordination "
                "between teams.",
                "Workshop in {city} with hands-on labs; handling playbooks; mentoring calls "
                "after the workshop.",
            ),
            Wording(
                "CERT responders' incident management workshop",
                "Responders from {states} practise managing cyber incidents from first alert "
                "to recovery, using realistic scenarios and the regional escalation path.",
                "Scenario-based workshop held in {city}; triage and containment labs; "
                "an after-action review template.",
            ),
        ),
        "Regional incident response academy for CERT analysts",
    ),
    Topic(
        "malware-analysis",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "ADMM-EWG-CS"),
        (
            Wording(
                "Malware analysis and reverse engineering course",
                "Analysts from {states} learn static and dynamic malware analysis, "
                "unpacking and writing YARA rules for samples seen in the region.",
                "Ten-day course in {city}; sandbox labs; a capstone reverse engineering "
                "challenge on a recent ransomware family.",
            ),
            Wording(
                "Reverse engineering malicious code: practitioner workshop",
                "A practitioner workshop for {states} on taking malware apart: disassembly, "
                "debugging, unpacking and detection signatures such as YARA.",
                "Hands-on sessions in {city} with sandboxes and debuggers; ransomware case "
                "study; shared rule repository.",
            ),
            Wording(
                "Malware forensics for government security operations centres",
                "Staff of government SOCs in {states} build skills to analyse malicious "
                "binaries, extract indicators and turn them into detection rules.",
                "Course delivered in {city}; malware sandbox exercises; indicator extraction "
                "and YARA rule writing.",
            ),
        ),
        "Advanced malware reversing masterclass",
    ),
    Topic(
        "digital-forensics",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Digital forensics for cybercrime investigators",
                "Police investigators from {states} learn to seize, image and examine "
                "computers and mobile phones so that digital evidence holds up in court.",
                "Two-week course in {city}; evidence handling and chain of custody; "
                "mobile extraction labs; a mock case file.",
            ),
            Wording(
                "Electronic evidence handling for law enforcement",
                "A course for law enforcement officers of {states} on collecting and "
                "examining electronic evidence from devices, keeping the chain of custody intact.",
                "Training in {city}; device imaging and mobile forensics practicals; "
                "courtroom-ready reporting.",
            ),
            Wording(
                "Forensic examination of seized devices: police training",
                "Officers from {states} practise the forensic examination of seized laptops "
                "and phones, from acquisition to an evidential report.",
                "Practical training held in {city}; acquisition and analysis labs; chain of "
                "custody forms; moot court exercise.",
            ),
        ),
        "Cybercrime evidence laboratory course",
    ),
    Topic(
        "cybercrime-law",
        ("cybercrime", "policy_strategy"),
        ("judicial", "law_enforcement"),
        ("SOMTC-WG-CC", "AMM"),
        (
            Wording(
                "Cybercrime legislation and procedural powers for prosecutors and judges",
                "Prosecutors and judges from {states} review substantive cybercrime offences, "
                "procedural powers such as preservation orders, and mutual legal assistance.",
                "Judicial seminar in {city}; comparative review of national laws; moot "
                "hearing on admissibility of electronic evidence.",
            ),
            Wording(
                "Judicial training on cybercrime law and electronic evidence",
                "Training for judges and prosecutors of {states} on cybercrime offences, "
                "preservation of data, admissibility of electronic evidence and international "
                "cooperation.",
                "Seminar in {city}; case law review; simulated hearing; guidance note on "
                "mutual legal assistance requests.",
            ),
            Wording(
                "Harmonising cybercrime laws: a dialogue for the judiciary",
                "A dialogue helping the judiciary and prosecution services of {states} align "
                "cybercrime offences and procedural powers, including data preservation.",
                "Roundtable in {city}; gap analysis of legislation; model provisions; "
                "mock trial on electronic evidence.",
            ),
        ),
        "Cybercrime law academy for the judiciary",
    ),
    Topic(
        "norms-diplomacy",
        ("policy_strategy",),
        ("diplomatic", "policy"),
        ("AMM", "ARF-ISM-ICTS", "CYBER-CC"),
        (
            Wording(
                "Cyber diplomacy and the UN norms of responsible State behaviour",
                "Diplomats from {states} deepen their understanding of the eleven UN GGE norms, "
                "international law in cyberspace and the OEWG process.",
                "Three-day programme in {city}; negotiation simulation; briefing papers on "
                "each norm; alumni network.",
            ),
            Wording(
                "Training diplomats on international law and voluntary norms in cyberspace",
                "Foreign-ministry officers of {states} learn how international law and the "
                "voluntary norms apply to State conduct in cyberspace, ahead of UN discussions.",
                "Course in {city}; simulated UN negotiation; norm-by-norm briefings.",
            ),
            Wording(
                "Norms implementation dialogue for foreign ministries",
                "A dialogue for foreign ministries of {states} on putting the UN norms into "
                "practice and preparing common positions for the OEWG.",
                "Roundtable in {city}; norms implementation checklist walk-through; "
                "tabletop on a cross-border incident with diplomatic consequences.",
            ),
        ),
        "Cyber diplomacy fellowship on UN norms",
    ),
    Topic(
        "national-strategy",
        ("policy_strategy",),
        ("policy",),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Developing national cybersecurity strategies",
                "Policy officers from {states} are guided through drafting or renewing a "
                "national cybersecurity strategy, with governance, budget and metrics.",
                "Strategy clinic in {city}; peer review of draft strategies; toolkit on "
                "monitoring and evaluation.",
            ),
            Wording(
                "National cyber strategy drafting clinic",
                "A clinic that helps {states} write their next national cyber strategy: "
                "priorities, lead agencies, funding and how to measure progress.",
                "Workshop in {city}; drafting sessions with mentors; review of each draft.",
            ),
            Wording(
                "Support to renew national cybersecurity policy frameworks",
                "Advisory support for {states} to renew their cybersecurity policy framework "
                "and strategy, including governance and performance indicators.",
                "Expert missions and a regional workshop in {city}; strategy peer review.",
            ),
        ),
        "Strategy development accelerator for policymakers",
    ),
    Topic(
        "cii-energy",
        ("incident_ci",),
        ("ci_operator", "technical"),
        ("ADGMIN", "ADMM-EWG-CS"),
        (
            Wording(
                "Protecting critical information infrastructure in the energy sector",
                "Power grid operators and regulators in {states} strengthen the protection "
                "of critical information infrastructure, from risk assessment to incident "
                "reporting.",
                "Workshop in {city}; grid control-room scenario; risk assessment template "
                "for substations.",
            ),
            Wording(
                "Cybersecurity of power grids: training for energy operators",
                "A training for electricity utilities of {states} on securing grid control "
                "systems, assessing risk and reporting incidents to the national CERT.",
                "Course in {city}; control system lab; substation risk assessment exercise.",
            ),
            Wording(
                "Energy sector CII resilience programme",
                "Helps energy companies and regulators in {states} make their critical "
                "infrastructure resilient to cyber attack, with sector risk assessments and "
                "reporting duties.",
                "Sector workshop in {city}; grid scenario exercise; reporting guideline.",
            ),
        ),
        "Grid security school for energy operators",
    ),
    Topic(
        "ics-water",
        ("incident_ci", "standards"),
        ("ci_operator",),
        ("ADGMIN",),
        (
            Wording(
                "Industrial control system security for water utilities",
                "Engineers of water utilities in {states} learn to secure SCADA and PLC "
                "environments, segment networks and apply IEC 62443.",
                "Hands-on ICS lab in {city}; network segmentation exercise; IEC 62443 "
                "self-assessment.",
            ),
            Wording(
                "Securing SCADA in water treatment plants",
                "Operators of water treatment plants in {states} practise defending OT "
                "networks and PLCs following IEC 62443.",
                "Lab training in {city} with PLC testbeds; zoning and conduits exercise.",
            ),
            Wording(
                "OT security for the water sector",
                "A programme for water sector engineers of {states} on operational technology "
                "security: SCADA hardening, segmentation and the IEC 62443 series.",
                "Course in {city}; OT testbed; self-assessment against IEC 62443.",
            ),
        ),
        "Water utility OT defenders course",
    ),
    Topic(
        "cyber-exercise",
        ("incident_ci",),
        ("technical", "policy"),
        ("ADGMIN", "ARF-ISM-ICTS", "ADMM-EWG-CS"),
        (
            Wording(
                "Regional cyber incident exercise",
                "An annual exercise in which the CERTs of {states} respond together to a "
                "simulated cross-border incident and test their points of contact.",
                "Scenario design; a one-day live exercise run from {city}; after-action "
                "report with recommendations.",
            ),
            Wording(
                "Cross-border cyber drill for national CERTs",
                "National CERTs of {states} join a drill simulating an attack that spreads "
                "across borders, checking escalation and contact details.",
                "Drill coordinated from {city}; injects over a full day; lessons-learned report.",
            ),
            Wording(
                "Tabletop simulation of a regional cyber crisis",
                "A tabletop simulation for {states} of a regional cyber crisis, testing "
                "coordination between CERTs and agencies and the contact list.",
                "Tabletop held in {city}; crisis injects; after-action review.",
            ),
        ),
        "Regional cyber crisis simulation",
    ),
    Topic(
        "vulnerability-disclosure",
        ("standards", "incident_ci"),
        ("technical", "policy"),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Coordinated vulnerability disclosure policies",
                "Helps agencies in {states} adopt coordinated vulnerability disclosure "
                "policies and run a national process for receiving vulnerability reports.",
                "Policy workshop in {city}; model disclosure policy; CSAF advisory templates.",
            ),
            Wording(
                "Setting up national vulnerability disclosure programmes",
                "Support for {states} to set up a vulnerability disclosure programme: "
                "intake of reports, coordination with vendors and publishing advisories.",
                "Workshop in {city}; drafting a disclosure policy; advisory publishing in CSAF.",
            ),
            Wording(
                "Responsible reporting of ICT vulnerabilities",
                "Encourages responsible reporting of ICT vulnerabilities in {states} "
                "through disclosure policies, vendor coordination and public advisories.",
                "Seminar in {city}; model policy; advisory format guidance.",
            ),
        ),
        "Vulnerability coordination bootcamp",
    ),
    Topic(
        "sme-hygiene",
        ("culture_skills",),
        ("policy",),
        ("AMRI", "ADGMIN"),
        (
            Wording(
                "Cyber hygiene awareness campaign for small businesses",
                "A campaign raising awareness of basic cyber hygiene among small and medium "
                "enterprises in {states}: passwords, updates, backups and phishing.",
                "Campaign toolkit in local languages; train-the-trainer sessions in {city}; "
                "online quiz.",
            ),
            Wording(
                "Basic cyber safety for SMEs",
                "Teaches small and medium-sized firms in {states} simple cyber safety "
                "habits: strong passwords, patching, backups and spotting phishing.",
                "Awareness toolkit; trainer sessions in {city}; social media campaign.",
            ),
            Wording(
                "Securing small enterprises: an awareness drive",
                "An awareness drive for small enterprises of {states} on everyday "
                "cybersecurity practice and phishing resistance.",
                "Train-the-trainer workshop in {city}; translated guides; quiz.",
            ),
        ),
        "SME cyber safety champions",
    ),
    Topic(
        "child-online",
        ("culture_skills", "policy_strategy"),
        ("policy",),
        ("AMRI",),
        (
            Wording(
                "Child online protection awareness",
                "Raises awareness among parents, teachers and children in {states} of "
                "online risks such as grooming and cyberbullying.",
                "School outreach materials; teacher training in {city}; helpline referral guide.",
            ),
            Wording(
                "Keeping children safe online",
                "A programme for schools and families in {states} on protecting children "
                "online from grooming, bullying and harmful content.",
                "Teacher workshops in {city}; classroom kits; parent guides.",
            ),
            Wording(
                "Online safety education for schools",
                "Brings online safety education to schools in {states}, helping teachers "
                "and parents prevent cyberbullying and grooming.",
                "Curriculum modules; teacher training in {city}; awareness week.",
            ),
        ),
        "Safer internet for children initiative",
    ),
    Topic(
        "women-in-cyber",
        ("culture_skills",),
        ("technical", "policy"),
        ("ADGMIN", "AMRI"),
        (
            Wording(
                "Women in cyber fellowship",
                "A fellowship bringing women working in cybersecurity in {states} together "
                "for mentoring, leadership training and technical upskilling.",
                "Cohort programme with mentors; study visit to {city}; capstone project.",
            ),
            Wording(
                "Mentoring programme for women cybersecurity professionals",
                "Pairs women cybersecurity professionals from {states} with senior mentors "
                "and offers leadership and technical modules.",
                "Mentoring pairs; leadership modules; study visit to {city}.",
            ),
            Wording(
                "Leadership fellowship for women in cybersecurity",
                "Develops the next generation of women leaders in cybersecurity from "
                "{states} through mentoring and training.",
                "Fellowship cohort; residential week in {city}; mentor network.",
            ),
        ),
        "Cyber leadership fellowship for women",
    ),
    Topic(
        "threat-sharing",
        ("incident_ci", "standards"),
        ("technical",),
        ("ADGMIN", "ARF-ISM-ICTS"),
        (
            Wording(
                "Threat intelligence sharing with MISP and STIX",
                "Helps CERTs of {states} share threat intelligence automatically using MISP "
                "instances and STIX 2.1 over TAXII.",
                "Deployment support; training in {city} on MISP and STIX; sharing "
                "agreement template under TLP 2.0.",
            ),
            Wording(
                "Automated indicator exchange between national CERTs",
                "National CERTs of {states} connect their platforms to exchange indicators "
                "automatically in STIX over TAXII, with TLP marking.",
                "Platform set-up; hands-on training in {city}; TLP guidance.",
            ),
            Wording(
                "Cyber threat intelligence platform rollout",
                "Rolls out a threat intelligence platform (MISP) to the CERTs of {states} "
                "and trains analysts to share indicators in STIX.",
                "Installation support; analyst course in {city}; sharing rules.",
            ),
        ),
        "Regional indicator sharing accelerator",
    ),
    Topic(
        "points-of-contact",
        ("policy_strategy",),
        ("diplomatic", "technical"),
        ("ARF-ISM-ICTS", "AMM"),
        (
            Wording(
                "Points of contact directory and communication checks",
                "Establishes and tests the diplomatic and technical points of contact of "
                "{states} with regular communication checks.",
                "Directory update; quarterly ping tests; response-time report.",
            ),
            Wording(
                "Testing the regional cyber contact list",
                "Regular checks that the cyber points of contact of {states} answer, with "
                "response times measured and the list kept current.",
                "Contact list review; communication checks every quarter; results report.",
            ),
            Wording(
                "Confidence-building: contact point ping tests",
                "A confidence-building measure in which {states} ping their cyber contact "
                "points and track how quickly they respond.",
                "Ping tests; response-time dashboard; annual review meeting in {city}.",
            ),
        ),
        "Contact point readiness checks",
    ),
    Topic(
        "crypto-tracing",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Cryptocurrency tracing for financial crime investigators",
                "Investigators from {states} learn to trace crypto-asset transactions on "
                "blockchains and follow ransomware and scam proceeds.",
                "Course in {city}; blockchain analytics labs; exchange cooperation requests.",
            ),
            Wording(
                "Following the money: crypto-asset investigations",
                "A course for police and financial intelligence units of {states} on "
                "tracing crypto-assets used in ransomware and online fraud.",
                "Training in {city}; blockchain explorer exercises; case study on scam proceeds.",
            ),
            Wording(
                "Blockchain analysis for cybercrime units",
                "Cybercrime units in {states} build skills in blockchain analysis to trace "
                "illicit crypto-asset flows.",
                "Practical labs in {city}; tracing exercises; cooperation with exchanges.",
            ),
        ),
        "Crypto-asset investigation course",
    ),
    Topic(
        "supply-chain",
        ("standards",),
        ("policy", "technical"),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Software supply chain security and secure development",
                "Helps agencies and vendors in {states} secure the software supply chain "
                "with secure development practices and software bills of materials.",
                "Workshop in {city}; SBOM pilot; procurement checklist.",
            ),
            Wording(
                "Supply-chain integrity for ICT products",
                "Supports {states} in ensuring the integrity of ICT supply chains through "
                "secure development, SBOMs and procurement requirements.",
                "Seminar in {city}; SBOM exercise; model procurement clauses.",
            ),
            Wording(
                "Secure-by-design procurement and SBOM adoption",
                "Encourages buyers in {states} to require secure-by-design products and "
                "software bills of materials from suppliers.",
                "Workshop in {city}; procurement guidance; SBOM tooling demo.",
            ),
        ),
        "Trusted supply chain programme",
    ),
    Topic(
        "scam-centres",
        ("cybercrime",),
        ("law_enforcement", "policy"),
        ("SOMTC-WG-CC", "AMM"),
        (
            Wording(
                "Disrupting online scam compounds",
                "Law enforcement of {states} cooperate to disrupt online scam compounds, "
                "rescue trafficked workers and trace proceeds.",
                "Joint operations planning in {city}; intelligence sharing protocol; "
                "victim referral guide.",
            ),
            Wording(
                "Joint action against online fraud centres",
                "Police forces of {states} coordinate action against online fraud centres "
                "and the trafficking that staffs them.",
                "Operational meeting in {city}; information sharing arrangement; victim "
                "support referral.",
            ),
            Wording(
                "Countering scam centres and forced criminality",
                "A cooperation effort by {states} against scam centres that use trafficked "
                "people to commit online fraud.",
                "Coordination meetings in {city}; shared watch list; victim protection guidance.",
            ),
        ),
        "Scam compound disruption taskforce",
    ),
    Topic(
        "cloud-standards",
        ("standards",),
        ("policy", "technical"),
        ("ADGMIN",),
        (
            Wording(
                "Cloud security certification and standards",
                "Helps regulators in {states} align cloud security certification with "
                "international standards such as ISO/IEC 27017.",
                "Standards workshop in {city}; comparison of certification schemes; "
                "mutual recognition roadmap.",
            ),
            Wording(
                "Aligning cloud security standards across the region",
                "Regulators of {states} work towards common cloud security requirements "
                "based on ISO/IEC 27017 and mutual recognition of certificates.",
                "Working sessions in {city}; scheme mapping; recognition roadmap.",
            ),
            Wording(
                "Cloud assurance schemes dialogue",
                "A dialogue among {states} on cloud assurance schemes, certification and "
                "ISO/IEC standards for cloud services.",
                "Dialogue in {city}; scheme comparison; roadmap.",
            ),
        ),
        "Cloud certification harmonisation",
    ),
    Topic(
        "defence-cyber",
        ("incident_ci", "policy_strategy"),
        ("policy", "technical"),
        ("ADMM-EWG-CS",),
        (
            Wording(
                "Military cyber defence cooperation workshop",
                "Defence officials of {states} share practice on military cyber defence, "
                "rules of engagement and civil-military coordination during incidents.",
                "Workshop in {city}; civil-military tabletop; practice-sharing papers.",
            ),
            Wording(
                "Civil-military cyber coordination for defence establishments",
                "Helps the defence establishments of {states} coordinate with civilian "
                "agencies during cyber incidents and share defence practice.",
                "Seminar in {city}; tabletop on a national incident; guidance paper.",
            ),
            Wording(
                "Defence cyber capacity dialogue",
                "A dialogue among defence ministries of {states} on cyber defence capacity "
                "and coordination with civilian CERTs.",
                "Dialogue sessions in {city}; scenario discussion; outcome report.",
            ),
        ),
        "Defence cyber cooperation course",
    ),
)

FUNDERS = [
    "Singapore",
    "Japan",
    "Australia",
    "European Union",
    "United States",
    "Republic of Korea",
]
IMPLEMENTERS = ["ASCCE", "AJCCBC", "ASEAN Secretariat", "Cyber Security Agency of Singapore"]
