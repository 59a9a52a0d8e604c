"""The same work written in member states' languages, for the cross-language part of the
evaluation set: each topic's subject, each audience, and sentence frames per language.

The tuning part uses Bahasa Indonesia, Vietnamese and Thai with one set of frames; the
held-out part uses Malay, Filipino, Vietnamese and Thai with other frames and other topics.
"""

# topic key -> language -> how the subject is said.
SUBJECTS: dict[str, dict[str, str]] = {
    # tuning topics
    "incident-response": {
        "id": "penanganan insiden siber bagi tim tanggap insiden",
        "vi": "ứng cứu sự cố cho đội ứng cứu sự cố máy tính",
        "th": "การรับมือเหตุการณ์สำหรับทีมรับมือเหตุการณ์ฉุกเฉินทางคอมพิวเตอร์",
    },
    "digital-forensics": {
        "id": "forensik digital dan bukti elektronik untuk penyidik",
        "vi": "điều tra số và chứng cứ điện tử cho điều tra viên",
        "th": "นิติวิทยาศาสตร์ดิจิทัลและพยานหลักฐานดิจิทัลสำหรับพนักงานสอบสวน",
    },
    "norms-diplomacy": {
        "id": "norma perilaku negara yang bertanggung jawab bagi diplomat",
        "vi": "chuẩn mực hành vi có trách nhiệm của quốc gia cho nhà ngoại giao",
        "th": "บรรทัดฐานพฤติกรรมที่รับผิดชอบของรัฐสำหรับนักการทูต",
    },
    "cii-energy": {
        "id": "perlindungan infrastruktur informasi kritis sektor energi",
        "vi": "bảo vệ hạ tầng thông tin quan trọng ngành năng lượng",
        "th": "การคุ้มครองโครงสร้างพื้นฐานสำคัญทางสารสนเทศด้านพลังงาน",
    },
    "cyber-exercise": {
        "id": "latihan simulasi krisis siber dan koordinasi insiden",
        "vi": "diễn tập khủng hoảng và phối hợp ứng cứu sự cố",
        "th": "การฝึกซ้อมสถานการณ์วิกฤตและการประสานงานรับมือเหตุการณ์",
    },
    "sme-hygiene": {
        "id": "kebersihan siber bagi usaha kecil dan menengah",
        "vi": "nâng cao nhận thức an toàn thông tin cho doanh nghiệp vừa và nhỏ",
        "th": "สุขอนามัยไซเบอร์สำหรับวิสาหกิจขนาดกลางและขนาดย่อม",
    },
    "women-in-cyber": {
        "id": "kepemimpinan dan keterampilan siber bagi perempuan",
        "vi": "kỹ năng và lãnh đạo cho phụ nữ trong lĩnh vực an ninh mạng",
        "th": "ทักษะและภาวะผู้นำไซเบอร์สำหรับสตรี",
    },
    "points-of-contact": {
        "id": "titik kontak dan langkah membangun kepercayaan",
        "vi": "đầu mối liên lạc và biện pháp xây dựng lòng tin",
        "th": "จุดติดต่อและมาตรการสร้างความไว้เนื้อเชื่อใจ",
    },
    "supply-chain": {
        "id": "keamanan rantai pasok perangkat lunak",
        "vi": "an ninh chuỗi cung ứng phần mềm",
        "th": "ความปลอดภัยของห่วงโซ่อุปทานซอฟต์แวร์",
    },
    "cloud-standards": {
        "id": "standar dan sertifikasi keamanan komputasi awan",
        "vi": "tiêu chuẩn và chứng nhận bảo mật điện toán đám mây",
        "th": "มาตรฐานและการรับรองความปลอดภัยคลาวด์",
    },
    # held-out topics
    "malware-analysis": {
        "ms": "analisis perisian hasad dan kejuruteraan terbalik",
        "fil": "pagsusuri ng malware at reverse engineering",
        "vi": "phân tích mã độc và dịch ngược",
        "th": "การวิเคราะห์มัลแวร์และวิศวกรรมย้อนกลับ",
    },
    "cybercrime-law": {
        "ms": "undang-undang jenayah siber untuk pendakwa raya dan hakim",
        "fil": "batas laban sa krimen sa cyber para sa mga tagausig at hukom",
        "vi": "pháp luật về tội phạm mạng cho công tố viên và thẩm phán",
        "th": "กฎหมายอาชญากรรมไซเบอร์สำหรับอัยการและผู้พิพากษา",
    },
    "national-strategy": {
        "ms": "strategi keselamatan siber negara dan dasar",
        "fil": "pambansang estratehiya at patakaran sa cyber",
        "vi": "chiến lược an ninh mạng quốc gia và chính sách",
        "th": "ยุทธศาสตร์ความมั่นคงปลอดภัยไซเบอร์แห่งชาติและนโยบาย",
    },
    "ics-water": {
        "ms": "keselamatan sistem kawalan industri bagi bekalan air",
        "fil": "seguridad ng sistema ng kontrol sa industriya ng tubig",
        "vi": "an ninh hệ thống điều khiển công nghiệp ngành cấp nước",
        "th": "ความปลอดภัยระบบควบคุมอุตสาหกรรมการประปา",
    },
    "vulnerability-disclosure": {
        "ms": "pendedahan kerentanan secara terselaras",
        "fil": "koordinadong pagsisiwalat ng kahinaan",
        "vi": "công bố lỗ hổng có phối hợp",
        "th": "การเปิดเผยช่องโหว่อย่างประสานงาน",
    },
    "child-online": {
        "ms": "perlindungan kanak-kanak dalam talian",
        "fil": "proteksyon ng bata online",
        "vi": "bảo vệ trẻ em trên môi trường mạng",
        "th": "การคุ้มครองเด็กออนไลน์",
    },
    "threat-sharing": {
        "ms": "perkongsian maklumat risikan ancaman",
        "fil": "pagbabahagi ng impormasyon sa banta",
        "vi": "chia sẻ thông tin tình báo mối đe dọa",
        "th": "การแบ่งปันข้อมูลข่าวกรองภัยคุกคาม",
    },
    "crypto-tracing": {
        "ms": "penjejakan aset kripto untuk penyiasat",
        "fil": "pagsubaybay ng cryptocurrency para sa mga imbestigador",
        "vi": "truy vết tài sản mã hóa cho điều tra viên",
        "th": "การติดตามสินทรัพย์ดิจิทัลสำหรับพนักงานสอบสวน",
    },
    "scam-centres": {
        "ms": "membanteras pusat penipuan dalam talian",
        "fil": "paglaban sa mga sentro ng scam",
        "vi": "triệt phá trung tâm lừa đảo trực tuyến",
        "th": "การปราบปรามแก๊งคอลเซ็นเตอร์และการหลอกลวงออนไลน์",
    },
    "defence-cyber": {
        "ms": "kerjasama pertahanan siber awam-tentera",
        "fil": "kooperasyon sa depensa at sibil-militar",
        "vi": "hợp tác quốc phòng và phối hợp dân sự quân sự",
        "th": "ความร่วมมือด้านกลาโหมและพลเรือนและทหาร",
    },
}

# audience code -> language -> how the audience is said (English included).
AUDIENCES: dict[str, dict[str, str]] = {
    "technical": {
        "en": "technical staff and analysts",
        "id": "analis dan staf teknis",
        "ms": "penganalisis dan kakitangan teknikal",
        "vi": "chuyên viên phân tích và kỹ thuật",
        "fil": "mga analista at teknikal na kawani",
        "th": "นักวิเคราะห์และเจ้าหน้าที่เทคนิค",
    },
    "law_enforcement": {
        "en": "police investigators",
        "id": "penyidik kepolisian",
        "ms": "penyiasat polis",
        "vi": "điều tra viên công an",
        "fil": "mga imbestigador ng pulisya",
        "th": "พนักงานสอบสวนและตำรวจ",
    },
    "judicial": {
        "en": "prosecutors and judges",
        "id": "jaksa dan hakim",
        "ms": "pendakwa raya dan hakim",
        "vi": "công tố viên và thẩm phán",
        "fil": "mga tagausig at hukom",
        "th": "อัยการและผู้พิพากษา",
    },
    "diplomatic": {
        "en": "diplomats of foreign ministries",
        "id": "diplomat kementerian luar negeri",
        "ms": "diplomat kementerian luar negeri",
        "vi": "nhà ngoại giao",
        "fil": "mga diplomat",
        "th": "นักการทูต",
    },
    "policy": {
        "en": "policymakers",
        "id": "pembuat kebijakan",
        "ms": "pembuat dasar",
        "vi": "nhà hoạch định chính sách",
        "fil": "mga gumagawa ng patakaran",
        "th": "ผู้กำหนดนโยบาย",
    },
    "ci_operator": {
        "en": "critical infrastructure operators",
        "id": "operator infrastruktur kritis",
        "ms": "pengendali infrastruktur kritikal",
        "vi": "đơn vị vận hành hạ tầng trọng yếu",
        "fil": "mga operator ng kritikal na imprastruktura",
        "th": "ผู้ให้บริการโครงสร้างพื้นฐานสำคัญ",
    },
}

# language -> (title, summary, activities) frames; {subject}, {audience}, {states}, {city}.
FRAMES: dict[str, dict[str, tuple[str, str, str]]] = {
    "tuning": {
        "id": (
            "Pelatihan {subject}",
            "Program peningkatan kapasitas tentang {subject} bagi {audience} dari {states}.",
            "Lokakarya di {city}; praktik langsung; pendampingan setelah pelatihan.",
        ),
        "vi": (
            "Khóa đào tạo về {subject}",
            "Chương trình nâng cao năng lực về {subject} dành cho {audience} của {states}.",
            "Hội thảo tại {city}; thực hành; cố vấn sau khóa học.",
        ),
        "th": (
            "การฝึกอบรม{subject}",
            "โครงการเสริมสร้างขีดความสามารถด้าน{subject}สำหรับ{audience}จาก {states}",
            "การประชุมเชิงปฏิบัติการที่ {city} ภาคปฏิบัติ และพี่เลี้ยงหลังการอบรม",
        ),
    },
    "held_out": {
        "ms": (
            "Kursus {subject}",
            "Inisiatif pembangunan kapasiti mengenai {subject} untuk {audience} dari {states}.",
            "Bengkel di {city}; latihan amali; bimbingan susulan.",
        ),
        "fil": (
            "Pagsasanay sa {subject}",
            "Programa ng pagpapalakas ng kapasidad tungkol sa {subject} para sa {audience} "
            "ng {states}.",
            "Palihan sa {city}; aktwal na pagsasanay; paggabay pagkatapos.",
        ),
        "vi": (
            "Tập huấn {subject}",
            "Hoạt động xây dựng năng lực về {subject} cho {audience} đến từ {states}.",
            "Lớp học tại {city}; bài thực hành; báo cáo đánh giá.",
        ),
        "th": (
            "หลักสูตร{subject}",
            "การพัฒนาศักยภาพเรื่อง{subject}ให้แก่{audience}ของ {states}",
            "สัมมนาที่ {city} พร้อมห้องปฏิบัติการและรายงานการประเมิน",
        ),
    },
}

# Full names and abbreviations, swapped both ways in "abbreviated" duplicates.
ABBREVIATIONS = [
    ("critical information infrastructure", "CII"),
    ("critical infrastructure", "CI"),
    ("computer emergency response teams", "CERTs"),
    ("national CERTs", "national computer emergency response teams"),
    ("CSIRT", "computer security incident response team"),
    ("security operations centres", "SOCs"),
    ("SOCs", "security operations centres"),
    ("confidence-building measures", "CBMs"),
    ("points of contact", "PoCs"),
    ("small businesses", "SMEs"),
    ("industrial control systems", "ICS"),
    ("operational technology", "OT"),
    ("coordinated vulnerability disclosure", "CVD"),
    ("threat intelligence", "CTI"),
    ("mutual legal assistance", "MLA"),
    ("tabletop exercise", "TTX"),
    ("capture the flag", "CTF"),
    ("ASEAN member states", "AMS"),
    ("cybercrime", "cyber crime"),
]

# body code -> (how the tuning part names it in full, how the held-out part does).
BODY_NAMES = {
    "ADGMIN": ("ASEAN Digital Ministers' Meeting", "TELMIN"),
    "SOMTC-WG-CC": ("SOMTC Working Group on Cybercrime", "AMMTC"),
    "ARF-ISM-ICTS": (
        "ASEAN Regional Forum Inter-Sessional Meeting on Security of and in the Use of ICTs",
        "ARF",
    ),
    "ADMM-EWG-CS": ("ADMM-Plus Experts' Working Group on Cyber Security", "ADMM"),
    "AMM": ("ASEAN Foreign Ministers' Meeting", "AMM"),
    "CYBER-CC": ("ASEAN Cybersecurity Coordinating Committee", "AMCC"),
    "AMRI": ("ASEAN Ministers Responsible for Information", "AMRI"),
}
