"""Fresh held-out topics, policy half: norms and diplomacy, law and standards, skills and
public awareness, each in three English wordings written independently and a later title
(used by :mod:`evaluation_fresh`; nothing here is taken from the other parts)."""

from tests.initiatives.evaluation_topics import Topic, Wording

POLICY = (
    Topic(
        "norms-survey",
        ("policy_strategy",),
        ("policy", "diplomatic"),
        ("CYBER-CC", "AMM"),
        (
            Wording(
                "National survey of implementation of the UN cyber norms",
                "Agencies of {states} complete a national survey of how they implement "
                "the voluntary norms and share the results to find common gaps.",
                "Survey kit; inter-agency workshop in {city}; regional synthesis report.",
            ),
            Wording(
                "Stocktaking of norms implementation in ASEAN",
                "Takes stock of the measures {states} have in place for each of the "
                "eleven voluntary norms and of the support they still need.",
                "Questionnaire; validation meeting in {city}; gap matrix by norm.",
            ),
            Wording(
                "Norms implementation self-assessment workshop",
                "Officials of {states} fill in a self-assessment of their national "
                "practice against each norm, with evidence, and compare notes.",
                "Workshop held in {city}; self-assessment template; peer discussion.",
            ),
        ),
        "Norms implementation tracker",
    ),
    Topic(
        "international-law-positions",
        ("policy_strategy",),
        ("diplomatic", "judicial"),
        ("AMM", "ARF-ISM-ICTS"),
        (
            Wording(
                "Drafting national positions on international law in cyberspace",
                "Legal advisers of {states} prepare national statements on how "
                "sovereignty, due diligence and state responsibility apply to cyber "
                "operations.",
                "Drafting clinic in {city}; comparative review of published positions; "
                "peer feedback on drafts.",
            ),
            Wording(
                "Writing a national statement on international law and ICTs",
                "Helps foreign ministries and attorneys-general of {states} write a "
                "public position on the application of international law to the use of "
                "ICTs by States.",
                "Workshop in {city}; hypothetical scenarios; drafting support by "
                "international lawyers.",
            ),
            Wording(
                "International law of cyber operations: positions workshop",
                "Government lawyers from {states} work through scenarios on sovereignty, "
                "non-intervention and countermeasures to shape their country's position.",
                "Scenario workshop held in {city}; briefing book; draft position outline.",
            ),
        ),
        "Legal positions on cyberspace clinic",
    ),
    Topic(
        "un-negotiations",
        ("policy_strategy",),
        ("diplomatic",),
        ("AMM", "CYBER-CC"),
        (
            Wording(
                "Preparing delegations for the UN Global Mechanism on ICT security",
                "Delegates of {states} prepare for the permanent UN mechanism on ICT "
                "security that follows the OEWG: agenda, procedure and coordinated "
                "ASEAN interventions.",
                "Briefing in {city}; mock plenary; draft joint statement.",
            ),
            Wording(
                "Negotiation skills for UN cyber discussions",
                "Diplomats of {states} train in multilateral negotiation on ICT security, "
                "from drafting interventions to building coalitions in New York.",
                "Course in {city}; negotiation simulation; speaking notes clinic.",
            ),
            Wording(
                "ASEAN coordination ahead of UN ICT security sessions",
                "Missions and capitals of {states} coordinate their approach before each "
                "UN session on ICT security and agree where to speak with one voice.",
                "Coordination meeting in {city}; shared position paper; debrief after the session.",
            ),
        ),
        "UN cyber negotiations preparatory course",
    ),
    Topic(
        "arf-terminology",
        ("policy_strategy",),
        ("diplomatic", "policy"),
        ("ARF-ISM-ICTS",),
        (
            Wording(
                "Common terminology for ICT security",
                "Officials of {states} compile and compare national definitions of key "
                "ICT security terms so that partners understand one another in "
                "confidence-building talks.",
                "Study group meetings in {city}; comparative glossary; annotated definitions.",
            ),
            Wording(
                "Glossary of cyber terms for confidence building",
                "An ARF study that collects how {states} define terms such as cyber "
                "attack, critical infrastructure and incident, to reduce "
                "misunderstanding.",
                "Questionnaire; workshop held in {city}; published glossary.",
            ),
            Wording(
                "Shared cyber vocabulary study",
                "Experts from {states} map the words their governments use for cyber "
                "threats and responses, and propose agreed working definitions.",
                "Expert meetings in {city}; definitions table; report to ministers.",
            ),
        ),
        "ICT security terminology compendium",
    ),
    Topic(
        "cybercrime-convention",
        ("cybercrime", "policy_strategy"),
        ("policy", "judicial"),
        ("SOMTC-WG-CC", "AMM"),
        (
            Wording(
                "Ratifying and implementing the UN Convention against Cybercrime",
                "Justice and foreign ministries of {states} review what their laws need to "
                "sign, ratify and implement the new UN convention on cybercrime.",
                "Legislative review; workshop in {city}; implementation roadmap.",
            ),
            Wording(
                "Domestic implementation of the UN cybercrime treaty",
                "Helps {states} align criminal law, procedure and safeguards with the UN "
                "cybercrime convention adopted in 2024.",
                "Gap analysis of national laws; expert meeting in {city}; draft "
                "implementing provisions.",
            ),
            Wording(
                "UN cybercrime convention: readiness assessment",
                "Assesses how ready {states} are to become parties to the UN convention "
                "against cybercrime, including human rights safeguards and cooperation "
                "channels.",
                "Readiness questionnaire; consultations in {city}; report with recommendations.",
            ),
        ),
        "Cybercrime treaty implementation support",
    ),
    Topic(
        "data-protection",
        ("standards", "policy_strategy"),
        ("policy",),
        ("ADGMIN",),
        (
            Wording(
                "Personal data protection and cross-border data flows",
                "Data protection authorities of {states} align breach notification rules "
                "and use the ASEAN Model Contractual Clauses for transfers.",
                "Workshop in {city}; breach notification template; model clauses guide.",
            ),
            Wording(
                "Data breach notification and privacy regulators' network",
                "Privacy regulators of {states} agree how organisations report personal "
                "data breaches and how regulators cooperate when a breach spans borders.",
                "Regulators' meeting in {city}; common reporting form; contact list.",
            ),
            Wording(
                "Interoperable data protection rules for the digital economy",
                "Supports {states} in making personal data rules interoperable so that "
                "data can move safely between member states.",
                "Comparative study; dialogue held in {city}; guidance on contractual "
                "clauses and certification.",
            ),
        ),
        "Privacy regulators' cooperation forum",
    ),
    Topic(
        "cii-legislation",
        ("policy_strategy", "incident_ci"),
        ("policy",),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Drafting laws to protect critical information infrastructure",
                "Legislative drafters of {states} design CII laws: designating owners, "
                "setting duties to report incidents and audit, and sector oversight.",
                "Drafting workshop in {city}; comparison of existing cybersecurity acts; "
                "model designation criteria.",
            ),
            Wording(
                "Regulating essential services for cyber resilience",
                "Regulators of {states} define which essential services fall under "
                "cyber rules and what their operators must report and test.",
                "Policy clinic in {city}; sector list; incident reporting thresholds.",
            ),
            Wording(
                "Critical infrastructure cybersecurity legislation clinic",
                "A clinic reviewing bills on critical infrastructure cybersecurity from "
                "{states}, with advice on codes of practice and penalties.",
                "Bill review held in {city}; codes of practice examples; peer comments.",
            ),
        ),
        "CII law drafting support",
    ),
    Topic(
        "skills-framework",
        ("culture_skills", "policy_strategy"),
        ("policy",),
        ("ADGMIN",),
        (
            Wording(
                "National cybersecurity skills framework",
                "Workforce planners of {states} map cybersecurity job roles and the skills "
                "each needs, to guide training, hiring and certification.",
                "Framework drafting in {city}; job role catalogue; skills gap survey.",
            ),
            Wording(
                "Mapping cyber job roles and competencies",
                "Helps {states} describe cybersecurity jobs and competencies in a common "
                "way so employers, schools and certifiers speak the same language.",
                "Workshop in {city}; competency model; alignment with NICE and "
                "regional frameworks.",
            ),
            Wording(
                "Cyber workforce development plan",
                "Supports {states} in planning how many cyber professionals they need "
                "over five years and how to train and keep them.",
                "Labour market study; workshop held in {city}; national workforce plan template.",
            ),
        ),
        "Cyber talent framework initiative",
    ),
    Topic(
        "university-curriculum",
        ("culture_skills",),
        ("technical", "policy"),
        ("ADGMIN",),
        (
            Wording(
                "Cybersecurity curriculum for universities",
                "Universities of {states} design undergraduate courses in cybersecurity "
                "with labs, industry projects and shared teaching material.",
                "Curriculum workshop in {city}; lecturer training; shared lab images.",
            ),
            Wording(
                "Training lecturers to teach cyber defence",
                "Lecturers from universities in {states} learn to teach hands-on cyber "
                "defence and receive ready-made course modules.",
                "Summer school in {city}; teaching kits; lecturer exchange.",
            ),
            Wording(
                "Academic programme in information security",
                "Supports universities in {states} in opening degree programmes in "
                "information security and linking them with employers.",
                "Programme design in {city}; accreditation guidance; internships with industry.",
            ),
        ),
        "University cyber education partnership",
    ),
    Topic(
        "student-ctf",
        ("culture_skills",),
        ("technical",),
        ("ADGMIN",),
        (
            Wording(
                "Regional capture-the-flag competition for students",
                "Student teams from {states} compete in a jeopardy-style cybersecurity "
                "challenge and the best attend a training camp.",
                "Online qualifier; final in {city}; boot camp for finalists.",
            ),
            Wording(
                "Youth cyber challenge and talent scouting",
                "A hacking competition that helps {states} discover young cyber talent "
                "and steer it into careers in national agencies.",
                "Challenge rounds; finals held in {city}; mentoring for winners.",
            ),
            Wording(
                "Inter-university cyber defence contest",
                "Universities of {states} send teams to defend a network and solve "
                "security puzzles against the clock.",
                "Preparation webinars; contest in {city}; awards and internships.",
            ),
        ),
        "Student cyber games",
    ),
    Topic(
        "scam-awareness-seniors",
        ("culture_skills",),
        ("policy",),
        ("AMRI", "ADGMIN"),
        (
            Wording(
                "Scam awareness campaign for older people",
                "A public campaign in {states} teaching older citizens to recognise phone, "
                "SMS and social media scams and to report them.",
                "Television and radio spots; community talks in {city}; hotline posters.",
            ),
            Wording(
                "Protecting senior citizens from online fraud",
                "Helps information ministries of {states} reach elderly people with simple "
                "advice on fraud calls, fake investment offers and romance scams.",
                "Leaflets in local languages; volunteer ambassadors; launch event in {city}.",
            ),
            Wording(
                "Anti-scam outreach to the elderly",
                "Outreach in {states} through community centres, religious groups and "
                "families so that older people can spot and stop scams.",
                "Outreach kit; train-the-volunteer session in {city}; scam check line.",
            ),
        ),
        "Silver surfers scam shield",
    ),
    Topic(
        "media-literacy",
        ("culture_skills", "policy_strategy"),
        ("policy",),
        ("AMRI",),
        (
            Wording(
                "Media and information literacy against online falsehoods",
                "Information ministries of {states} teach citizens to check sources and "
                "recognise manipulated content before sharing it.",
                "Campaign materials; teacher workshop in {city}; fact-checking toolkit.",
            ),
            Wording(
                "Countering disinformation through digital literacy",
                "Builds digital literacy in {states} so that people can spot false news, "
                "deepfakes and coordinated inauthentic behaviour.",
                "Regional workshop in {city}; school modules; partnerships with fact checkers.",
            ),
            Wording(
                "Fact-checking and critical thinking for the public",
                "A public education effort in {states} to strengthen critical thinking "
                "about online information and support independent fact-checking.",
                "Media training in {city}; public service announcements; verification guide.",
            ),
        ),
        "Digital literacy against disinformation",
    ),
    Topic(
        "digital-identity",
        ("standards",),
        ("policy", "technical"),
        ("ADGMIN",),
        (
            Wording(
                "Secure digital identity for e-government services",
                "Agencies of {states} that run national digital ID systems learn to "
                "protect enrolment, authentication and the data behind them.",
                "Workshop in {city}; threat model of an ID system; assurance levels.",
            ),
            Wording(
                "Trustworthy electronic identification and authentication",
                "Helps {states} set assurance levels for electronic identification and "
                "make national e-ID schemes recognise one another.",
                "Standards review; meeting in {city}; mutual recognition roadmap.",
            ),
            Wording(
                "Digital ID security and interoperability",
                "Supports the digital identity programmes of {states} with security "
                "reviews and work towards cross-border use of e-ID.",
                "Security review; interoperability pilot; seminar held in {city}.",
            ),
        ),
        "e-ID trust framework initiative",
    ),
    Topic(
        "iot-labelling",
        ("standards",),
        ("policy", "technical"),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Cybersecurity labelling scheme for consumer IoT devices",
                "Regulators of {states} set up security labels for consumer smart devices "
                "and recognise one another's labels.",
                "Scheme design workshop in {city}; testing criteria based on ETSI EN 303 "
                "645; mutual recognition arrangement.",
            ),
            Wording(
                "Security baseline for connected consumer devices",
                "Agrees a minimum security baseline for Internet of Things products sold "
                "in {states}: no default passwords, update support and vulnerability "
                "reporting.",
                "Baseline drafting in {city}; test lab guidance; retailer outreach.",
            ),
            Wording(
                "Smart device security certification",
                "Helps {states} certify the security of routers, cameras and other smart "
                "home devices and show the result to buyers with a label.",
                "Certification workshop held in {city}; lab accreditation; consumer campaign.",
            ),
        ),
        "IoT security label mutual recognition",
    ),
    Topic(
        "post-quantum",
        ("standards",),
        ("technical", "policy"),
        ("ADGMIN",),
        (
            Wording(
                "Migrating to post-quantum cryptography",
                "Cryptography teams of {states} plan the move of government systems to "
                "quantum-resistant algorithms standardised by NIST.",
                "Workshop in {city}; cryptographic inventory template; migration roadmap.",
            ),
            Wording(
                "Quantum-safe encryption readiness",
                "Helps {states} find where vulnerable public-key cryptography is used and "
                "prepare for quantum-safe replacements.",
                "Inventory tooling; seminar held in {city}; pilot on a government PKI.",
            ),
            Wording(
                "Preparing government PKI for the quantum era",
                "Operators of national public key infrastructure in {states} test "
                "post-quantum and hybrid certificates.",
                "Lab sessions in {city}; hybrid certificate pilot; procurement guidance.",
            ),
        ),
        "Quantum-safe transition programme",
    ),
    Topic(
        "ai-security",
        ("standards", "policy_strategy"),
        ("policy", "technical"),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Securing artificial intelligence systems",
                "Helps {states} protect AI systems against data poisoning, prompt "
                "injection and model theft, and set rules for their use in government.",
                "Workshop in {city}; AI threat taxonomy; secure deployment guidelines.",
            ),
            Wording(
                "AI security and governance for public agencies",
                "Public agencies of {states} learn how to assess the risks of the AI "
                "tools they buy and run, and how to test them before deployment.",
                "Policy seminar in {city}; risk assessment checklist; red teaming of a chatbot.",
            ),
            Wording(
                "Guidelines on secure use of machine learning",
                "Drafts guidance for {states} on building and operating machine learning "
                "models securely, from training data to monitoring in production.",
                "Guideline drafting held in {city}; case studies; model evaluation exercise.",
            ),
        ),
        "Trustworthy AI security programme",
    ),
)
