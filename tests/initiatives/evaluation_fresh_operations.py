"""Fresh held-out topics, operational half: CERT cooperation, critical sectors and
law-enforcement training, each in three English wordings written independently and a later
title (used by :mod:`evaluation_fresh`; nothing here is taken from the other parts)."""

from tests.initiatives.evaluation_topics import Topic, Wording

OPERATIONS = (
    Topic(
        "cert-maturity",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "CSIRT maturity assessment against SIM3",
                "Peer assessors score the national CERTs of {states} against the SIM3 "
                "maturity model and agree a two-year improvement roadmap with each team.",
                "Self-assessment questionnaire; on-site peer review visit to {city}; "
                "maturity report and roadmap per team.",
            ),
            Wording(
                "Raising the maturity of national incident response teams",
                "Helps the computer security incident response teams of {states} measure "
                "where they stand on mandate, tools, processes and people, and plan the "
                "next maturity level.",
                "Gap analysis workshop in {city}; peer reviewers from a mature team; "
                "action plan follow-up after six months.",
            ),
            Wording(
                "Peer review of CERT capabilities using the FIRST services framework",
                "CERTs from {states} review one another's services, governance and "
                "staffing using the FIRST CSIRT Services Framework and SIM3 parameters.",
                "Review week hosted in {city}; interviews and document review; "
                "confidential findings shared with each team's management.",
            ),
        ),
        "CERT maturity uplift programme",
    ),
    Topic(
        "cert-cooperation-sop",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "ARF-ISM-ICTS"),
        (
            Wording(
                "Standard operating procedures for CERT-to-CERT cooperation",
                "Drafts shared procedures that the national CERTs of {states} follow when "
                "an incident crosses borders: who is alerted, over which channel, and how "
                "fast they answer.",
                "Drafting sessions in {city}; escalation matrix; encrypted channel "
                "set-up; a dry run of the procedure.",
            ),
            Wording(
                "Cross-border incident escalation workflow for ASEAN CERTs",
                "Agrees how the CERTs of {states} hand over and escalate incidents that "
                "affect more than one country, including request templates and response "
                "time targets.",
                "Working meetings in {city}; request and acknowledgement templates; "
                "PGP key signing; quarterly test of the workflow.",
            ),
            Wording(
                "Operational handbook for the ASEAN CERT-CERT network",
                "Writes the handbook that duty officers of the CERTs in {states} use to "
                "contact a neighbouring team, share incident details and close the loop.",
                "Handbook drafting in {city}; secure mailing list; contact roster; "
                "a surprise activation test.",
            ),
        ),
        "CERT-CERT cooperation playbook",
    ),
    Topic(
        "finance-csirt",
        ("incident_ci",),
        ("ci_operator", "technical"),
        ("ADGMIN", "CYBER-CC"),
        (
            Wording(
                "Setting up a financial sector CSIRT",
                "Supports banking regulators and banks of {states} in establishing a "
                "sector CSIRT that collects incident reports and shares alerts across the "
                "financial sector.",
                "Design workshop in {city}; membership and funding model; alert "
                "templates; a mock bank-run cyber scenario.",
            ),
            Wording(
                "Cyber resilience of banks and payment systems",
                "Central banks and payment operators of {states} build a shared capability "
                "to detect, report and recover from attacks on banking and payment "
                "infrastructure.",
                "Seminar in {city}; incident reporting thresholds; recovery time "
                "objectives; payment outage exercise.",
            ),
            Wording(
                "Finance-sector incident response centre",
                "A response centre for the finance sector of {states}, run with the central "
                "bank, that receives breach notifications and warns member banks of fraud "
                "campaigns.",
                "Feasibility study; workshop in {city}; information sharing rules for "
                "member banks; playbook for payment fraud alerts.",
            ),
        ),
        "Financial sector cyber response hub",
    ),
    Topic(
        "health-sector",
        ("incident_ci",),
        ("ci_operator",),
        ("ADGMIN",),
        (
            Wording(
                "Cybersecurity for hospitals and health information systems",
                "Hospital IT teams and health ministries of {states} learn to protect "
                "patient records and medical devices against ransomware and data theft.",
                "Workshop in {city}; hospital network segmentation lab; medical "
                "device inventory template; ransomware continuity plan.",
            ),
            Wording(
                "Protecting the health sector from ransomware",
                "Health authorities of {states} prepare hospitals to keep treating patients "
                "when clinical systems are encrypted, and to restore them from clean "
                "backups.",
                "Training in {city}; downtime procedures for wards; backup and restore "
                "drill; checklist for procurement of medical devices.",
            ),
            Wording(
                "Health-care cyber defence programme",
                "Builds cyber defence in public hospitals of {states}: securing electronic "
                "medical records, connected medical equipment and laboratory systems.",
                "Assessment of pilot hospitals; course in {city}; incident response "
                "plan for hospitals; awareness for clinicians.",
            ),
        ),
        "Hospital cyber resilience initiative",
    ),
    Topic(
        "telecom-5g",
        ("incident_ci", "standards"),
        ("ci_operator", "technical"),
        ("ADGMIN",),
        (
            Wording(
                "5G network security for telecom regulators and operators",
                "Telecom regulators and mobile operators of {states} study the security of "
                "5G core networks, network slicing and vendor diversity.",
                "Technical workshop in {city}; 3GPP security features walkthrough; "
                "risk assessment template for 5G roll-out.",
            ),
            Wording(
                "Securing next-generation mobile networks",
                "A programme for the telecommunication authorities of {states} on threats "
                "to 5G infrastructure and the controls operators should put in place.",
                "Lab sessions in {city} on a 5G test bed; supply risk review; "
                "guidelines for licence conditions.",
            ),
            Wording(
                "Telecommunications infrastructure resilience and 5G security",
                "Operators and regulators of {states} examine how to keep mobile networks "
                "running under attack, from signalling abuse to core network compromise.",
                "Workshop held in {city}; SS7 and Diameter abuse demonstrations; "
                "incident reporting rules for operators.",
            ),
        ),
        "Mobile network security clinic",
    ),
    Topic(
        "maritime-ports",
        ("incident_ci",),
        ("ci_operator",),
        ("ADGMIN", "ADMM-EWG-CS"),
        (
            Wording(
                "Maritime and port cybersecurity",
                "Port authorities and shipping lines of {states} learn to secure terminal "
                "operating systems, vessel systems and the port community platform.",
                "Course in {city}; port OT site visit; IMO guidelines on maritime cyber "
                "risk; tabletop on a terminal outage.",
            ),
            Wording(
                "Protecting seaports from cyber attacks",
                "Helps seaports in {states} defend cargo handling, vessel traffic and "
                "customs systems against intrusions that could stop trade.",
                "Risk assessment of two pilot ports; workshop in {city}; contingency "
                "plan for manual cargo operations.",
            ),
            Wording(
                "Cyber risk management for the shipping sector",
                "A programme on cyber risk for ship operators and harbour masters of "
                "{states}, covering navigation systems, satellite links and port IT.",
                "Seminar in {city}; onboard systems demonstration; reporting channel "
                "between ports and the national CERT.",
            ),
        ),
        "Port cyber defence course",
    ),
    Topic(
        "dns-routing",
        ("standards", "incident_ci"),
        ("technical",),
        ("ADGMIN",),
        (
            Wording(
                "Routing security and RPKI deployment for network operators",
                "Internet service providers and exchange points of {states} deploy RPKI "
                "route origin validation to stop route hijacks and leaks.",
                "Hands-on workshop in {city}; ROA creation lab; filtering policy "
                "templates; MANRS participation.",
            ),
            Wording(
                "Securing the domain name system and internet routing",
                "ccTLD registries and network operators of {states} sign their zones with "
                "DNSSEC and filter bogus routes with RPKI.",
                "Training in {city}; DNSSEC signing practicals; route filtering lab.",
            ),
            Wording(
                "Internet infrastructure hardening: DNSSEC and BGP",
                "Operators of national internet infrastructure in {states} harden DNS "
                "resolvers and BGP sessions against spoofing and hijacking.",
                "Workshop held in {city}; resolver hardening checklist; BGP monitoring "
                "dashboard; follow-up mentoring.",
            ),
        ),
        "Internet routing and naming security workshop",
    ),
    Topic(
        "sensor-network",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "ARF-ISM-ICTS"),
        (
            Wording(
                "Darknet sensor network for early warning",
                "Places network sensors in the CERTs of {states} to observe scanning and "
                "botnet traffic on unused address space and raise early warnings.",
                "Sensor installation; analyst training in {city}; shared dashboard of "
                "scanning trends.",
            ),
            Wording(
                "Joint honeynet and traffic monitoring project",
                "CERTs of {states} run honeypots and darknet monitors together to spot "
                "new attack campaigns and infected hosts in their networks.",
                "Honeypot deployment; data sharing agreement; workshop in {city} on "
                "reading the telemetry.",
            ),
            Wording(
                "Cyber early-warning telemetry for the region",
                "Builds an early-warning capability for {states} from passive sensors "
                "watching unsolicited traffic, with alerts sent to each national team.",
                "Sensors at each team; alert feed; training held in {city}.",
            ),
        ),
        "Regional cyber sensor grid",
    ),
    Topic(
        "penetration-testing",
        ("incident_ci",),
        ("technical",),
        ("ADGMIN", "ADMM-EWG-CS"),
        (
            Wording(
                "Penetration testing of government web services",
                "Security testers from {states} learn to run authorised penetration tests "
                "on government portals and report findings responsibly.",
                "Course in {city}; web application testing labs; rules of engagement "
                "template; report writing clinic.",
            ),
            Wording(
                "Red teaming and security testing for public agencies",
                "Teams of {states} that test public-sector systems practise red team "
                "operations, from reconnaissance to privilege escalation, under agreed "
                "rules.",
                "Hands-on training in {city}; lab environment of a mock ministry; "
                "debrief with blue team.",
            ),
            Wording(
                "Ethical hacking course for government testers",
                "A practical course for government security testers in {states} on finding "
                "and exploiting weaknesses in web and network services before attackers do.",
                "Two weeks in {city}; OWASP Top 10 labs; network exploitation "
                "exercises; certification exam.",
            ),
        ),
        "Government red team academy",
    ),
    Topic(
        "cyber-range",
        ("culture_skills", "incident_ci"),
        ("technical",),
        ("ADGMIN", "ADMM-EWG-CS"),
        (
            Wording(
                "Shared cyber range for hands-on training",
                "Opens a cyber range to trainers from {states} so that they can run "
                "realistic attack and defence scenarios without building their own "
                "infrastructure.",
                "Range accounts for each state; train-the-trainer course in {city}; "
                "scenario library.",
            ),
            Wording(
                "Cyber range access and scenario development",
                "Instructors of {states} get access to a virtual training range and learn "
                "to design their own defensive scenarios on it.",
                "Scenario design workshop in {city}; range tenancy; instructor guide.",
            ),
            Wording(
                "Virtual training range for cyber defenders",
                "A hosted virtual range where defenders from {states} train on simulated "
                "networks under live attack, guided by certified instructors.",
                "Onboarding in {city}; monthly range sessions; scoring and feedback.",
            ),
        ),
        "Cyber range training service",
    ),
    Topic(
        "child-exploitation-investigation",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Investigating online child sexual exploitation",
                "Specialist police units of {states} learn to identify victims, trace "
                "offenders and handle child sexual abuse material lawfully.",
                "Course in {city}; victim identification techniques; access to the "
                "international image database; officer welfare session.",
            ),
            Wording(
                "Victim identification and offender tracing in child abuse cases online",
                "Investigators from {states} train on victim identification, undercover "
                "online work and cooperation with platforms in child exploitation cases.",
                "Training held in {city}; image analysis practicals; platform reporting "
                "channels; joint case review.",
            ),
            Wording(
                "Countering online child abuse: investigator training",
                "Builds the capacity of law enforcement in {states} to investigate the "
                "sexual exploitation of children online, including livestreamed abuse.",
                "Workshop in {city}; financial trail analysis for livestreaming cases; "
                "victim-centred interviewing.",
            ),
        ),
        "Child protection online investigations course",
    ),
    Topic(
        "ransomware-investigation",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Ransomware investigation techniques",
                "Cybercrime investigators from {states} learn how ransomware groups "
                "operate, how to collect evidence from victims and how to follow ransom "
                "payments.",
                "Course in {city}; victim network forensics; negotiation chat analysis; "
                "joint investigation planning.",
            ),
            Wording(
                "Joint operations against ransomware groups",
                "Police of {states} plan joint investigations into ransomware affiliates, "
                "sharing leads, infrastructure data and decryption keys.",
                "Operational meeting in {city}; case deconfliction; seizure of leak "
                "sites; victim notification plan.",
            ),
            Wording(
                "Responding to ransomware as a crime: police training",
                "Trains police in {states} to treat ransomware attacks as crime scenes, "
                "support victims and trace the criminals behind them.",
                "Training in {city}; first responder checklist; cryptocurrency ransom "
                "tracing module.",
            ),
        ),
        "Ransomware investigators' network",
    ),
    Topic(
        "cybercrime-24-7",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC", "AMM"),
        (
            Wording(
                "24/7 cybercrime contact network and data preservation requests",
                "Sets up round-the-clock law enforcement contacts in {states} who can ask "
                "a neighbour to preserve traffic data before it is deleted.",
                "Contact roster; preservation request template; workshop in {city}; "
                "monthly test requests.",
            ),
            Wording(
                "Round-the-clock police points of contact for electronic evidence",
                "Police contact points of {states} agree how urgent requests to preserve "
                "and disclose electronic evidence are sent and answered at any hour.",
                "Meeting in {city}; request forms; response time targets; test calls.",
            ),
            Wording(
                "Expedited preservation of data across borders",
                "Enables investigators in {states} to obtain expedited preservation of "
                "subscriber and traffic data held abroad through a standing network of "
                "duty officers.",
                "Network launch in {city}; standard request form; duty officer handbook.",
            ),
        ),
        "Cybercrime duty officer network",
    ),
    Topic(
        "darkweb-osint",
        ("cybercrime",),
        ("law_enforcement",),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Dark web investigations and open-source intelligence",
                "Investigators of {states} learn to research darknet markets and open "
                "sources safely, attribute vendors and preserve what they find as "
                "evidence.",
                "Course in {city}; Tor marketplace simulation; OSINT toolkit; "
                "operational security rules.",
            ),
            Wording(
                "OSINT and darknet market research for police",
                "Police analysts from {states} practise gathering intelligence from social "
                "media, forums and hidden services without exposing the investigation.",
                "Practical training in {city}; covert research accounts; evidential "
                "capture of web pages.",
            ),
            Wording(
                "Online investigations: hidden services and open sources",
                "A course for law enforcement in {states} on investigating crime on hidden "
                "services and public sources, from first lead to court-ready capture.",
                "Labs in {city}; darknet vendor profiling; capture and hashing of online evidence.",
            ),
        ),
        "Darknet investigations masterclass",
    ),
    Topic(
        "bec-fraud",
        ("cybercrime",),
        ("law_enforcement", "ci_operator"),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Business email compromise: investigation and fund recovery",
                "Police and banks of {states} work together to trace business email "
                "compromise fraud and freeze stolen funds before they leave the region.",
                "Workshop in {city}; bank recall procedure; mule account analysis; "
                "joint alert template.",
            ),
            Wording(
                "Countering invoice fraud and email account takeover",
                "Investigators and bank fraud teams of {states} learn how criminals take "
                "over company email to redirect payments, and how to stop the transfer.",
                "Training in {city}; email header analysis; rapid payment stop protocol.",
            ),
            Wording(
                "Police-bank cooperation against payment diversion fraud",
                "A cooperation scheme between law enforcement and banks in {states} to "
                "recover money lost to payment diversion and CEO fraud.",
                "Meeting in {city}; 24-hour freeze requests; case studies of recovered transfers.",
            ),
        ),
        "Payment diversion fraud taskforce",
    ),
    Topic(
        "police-cyber-units",
        ("cybercrime", "policy_strategy"),
        ("law_enforcement", "policy"),
        ("SOMTC-WG-CC",),
        (
            Wording(
                "Establishing police cybercrime units",
                "Advises police leadership of {states} on setting up a dedicated "
                "cybercrime unit: mandate, staffing, laboratory, and case management.",
                "Organisational review; study visit to {city}; staffing and equipment plan.",
            ),
            Wording(
                "Building a national cybercrime investigation centre",
                "Helps {states} plan a national centre for cybercrime investigation with "
                "trained officers, a forensic lab and links to prosecutors.",
                "Planning workshop in {city}; laboratory design; career path for cyber "
                "investigators.",
            ),
            Wording(
                "Organising cybercrime policing: structures and skills",
                "Police forces of {states} design how cybercrime is handled across the "
                "force, from the station desk to a specialist central unit.",
                "Workshop in {city}; triage model for complaints; training needs analysis.",
            ),
        ),
        "Cybercrime unit start-up support",
    ),
)
