"""The fresh held-out topics written in member states' languages (Bahasa Indonesia, Malay,
Filipino, Vietnamese, Thai): each topic's subject, each audience, the states, cities and
sectoral bodies as they are written in that language, and two sentence frames per language.

Written for the ``held_out_2`` part alone. Programme and body acronyms stay in Latin letters
where registries in that language keep them (CERT, CSIRT, SIM3, ADGMIN, SOMTC...), and are
translated where they usually are.
"""

LANGUAGES = ("id", "ms", "fil", "vi", "th")

AND = {"id": "dan", "ms": "dan", "fil": "at", "vi": "và", "th": "และ"}

# state code -> language -> name; "all" for every member state.
STATE_NAMES: dict[str, dict[str, str]] = {
    "BN": {
        "id": "Brunei Darussalam",
        "ms": "Brunei Darussalam",
        "fil": "Brunei",
        "vi": "Bru-nây",
        "th": "บรูไนดารุสซาลาม",
    },
    "KH": {"id": "Kamboja", "ms": "Kemboja", "fil": "Cambodia", "vi": "Campuchia", "th": "กัมพูชา"},
    "ID": {
        "id": "Indonesia",
        "ms": "Indonesia",
        "fil": "Indonesia",
        "vi": "In-đô-nê-xi-a",
        "th": "อินโดนีเซีย",
    },
    "LA": {"id": "Laos", "ms": "Laos", "fil": "Laos", "vi": "Lào", "th": "สปป.ลาว"},
    "MY": {
        "id": "Malaysia",
        "ms": "Malaysia",
        "fil": "Malaysia",
        "vi": "Ma-lai-xi-a",
        "th": "มาเลเซีย",
    },
    "MM": {"id": "Myanmar", "ms": "Myanmar", "fil": "Myanmar", "vi": "Mi-an-ma", "th": "เมียนมา"},
    "PH": {
        "id": "Filipina",
        "ms": "Filipina",
        "fil": "Pilipinas",
        "vi": "Phi-líp-pin",
        "th": "ฟิลิปปินส์",
    },
    "SG": {
        "id": "Singapura",
        "ms": "Singapura",
        "fil": "Singapore",
        "vi": "Xinh-ga-po",
        "th": "สิงคโปร์",
    },
    "TH": {"id": "Thailand", "ms": "Thailand", "fil": "Thailand", "vi": "Thái Lan", "th": "ไทย"},
    "VN": {"id": "Vietnam", "ms": "Vietnam", "fil": "Vietnam", "vi": "Việt Nam", "th": "เวียดนาม"},
    "TL": {
        "id": "Timor-Leste",
        "ms": "Timor-Leste",
        "fil": "Timor-Leste",
        "vi": "Đông Ti-mo",
        "th": "ติมอร์-เลสเต",
    },
    "all": {
        "id": "seluruh Negara Anggota ASEAN",
        "ms": "semua Negara Anggota ASEAN",
        "fil": "lahat ng kasaping bansa ng ASEAN",
        "vi": "tất cả các nước thành viên ASEAN",
        "th": "ประเทศสมาชิกอาเซียนทุกประเทศ",
    },
}

# English city name -> language -> name (languages not listed keep the English name).
CITY_NAMES: dict[str, dict[str, str]] = {
    "Bangkok": {"vi": "Băng Cốc", "th": "กรุงเทพฯ"},
    "Singapore": {"id": "Singapura", "ms": "Singapura", "vi": "Xinh-ga-po", "th": "สิงคโปร์"},
    "Jakarta": {"vi": "Gia-các-ta", "th": "จาการ์ตา"},
    "Kuala Lumpur": {"vi": "Cu-a-la Lăm-pơ", "th": "กัวลาลัมเปอร์"},
    "Manila": {"fil": "Maynila", "vi": "Ma-ni-la", "th": "มะนิลา"},
    "Hanoi": {"vi": "Hà Nội", "th": "ฮานอย"},
    "Phnom Penh": {"vi": "Phnôm Pênh", "th": "พนมเปญ"},
    "Vientiane": {"vi": "Viêng Chăn", "th": "เวียงจันทน์"},
    "Bandar Seri Begawan": {"vi": "Ban-đa Xê-ri Bê-ga-oan", "th": "บันดาร์เสรีเบกาวัน"},
    "Yangon": {"vi": "Y-an-gun", "th": "ย่างกุ้ง"},
    "Dili": {"vi": "Đi-li", "th": "ดิลี"},
    "Da Nang": {"vi": "Đà Nẵng", "th": "ดานัง"},
    "Cebu": {"vi": "Xê-bu", "th": "เซบู"},
}

# sectoral body code -> language -> how a registry in that language names it.
BODY_NAMES: dict[str, dict[str, str]] = {
    "ADGMIN": {
        "id": "Pertemuan Menteri Digital ASEAN (ADGMIN)",
        "ms": "Mesyuarat Menteri-Menteri Digital ASEAN (ADGMIN)",
        "fil": "ASEAN Digital Ministers' Meeting (ADGMIN)",
        "vi": "Hội nghị Bộ trưởng Số ASEAN (ADGMIN)",
        "th": "ที่ประชุมรัฐมนตรีดิจิทัลอาเซียน (ADGMIN)",
    },
    "SOMTC-WG-CC": {
        "id": "Kelompok Kerja Kejahatan Siber SOMTC",
        "ms": "Kumpulan Kerja Jenayah Siber SOMTC",
        "fil": "SOMTC Working Group on Cybercrime",
        "vi": "Nhóm công tác về tội phạm mạng của SOMTC",
        "th": "คณะทำงานด้านอาชญากรรมไซเบอร์ของ SOMTC",
    },
    "ARF-ISM-ICTS": {
        "id": "ARF ISM on ICTs Security",
        "ms": "Mesyuarat Antara Sesi ARF mengenai Keselamatan ICT",
        "fil": "ARF ISM on ICTs Security",
        "vi": "Cuộc họp giữa kỳ ARF về an ninh trong sử dụng ICT",
        "th": "การประชุมระหว่างสมัยประชุม ARF ว่าด้วยความมั่นคงในการใช้ ICT",
    },
    "ADMM-EWG-CS": {
        "id": "Kelompok Kerja Ahli ADMM-Plus bidang Keamanan Siber",
        "ms": "Kumpulan Kerja Pakar ADMM-Plus mengenai Keselamatan Siber",
        "fil": "ADMM-Plus EWG on Cyber Security",
        "vi": "Nhóm chuyên gia ADMM+ về an ninh mạng",
        "th": "คณะทำงานผู้เชี่ยวชาญ ADMM-Plus ด้านความมั่นคงปลอดภัยไซเบอร์",
    },
    "AMM": {
        "id": "Pertemuan Menteri Luar Negeri ASEAN (AMM)",
        "ms": "Mesyuarat Menteri-Menteri Luar Negeri ASEAN (AMM)",
        "fil": "Pulong ng mga Ministrong Panlabas ng ASEAN (AMM)",
        "vi": "Hội nghị Bộ trưởng Ngoại giao ASEAN (AMM)",
        "th": "ที่ประชุมรัฐมนตรีต่างประเทศอาเซียน (AMM)",
    },
    "CYBER-CC": {
        "id": "Komite Koordinasi Keamanan Siber ASEAN (Cyber-CC)",
        "ms": "Jawatankuasa Penyelarasan Keselamatan Siber ASEAN (Cyber-CC)",
        "fil": "ASEAN Cybersecurity Coordinating Committee (Cyber-CC)",
        "vi": "Ủy ban Điều phối An ninh mạng ASEAN (Cyber-CC)",
        "th": "คณะกรรมการประสานงานด้านความมั่นคงปลอดภัยไซเบอร์อาเซียน (ASEAN Cyber-CC)",
    },
    "AMRI": {
        "id": "Pertemuan Menteri Penerangan ASEAN (AMRI)",
        "ms": "Mesyuarat Menteri-Menteri ASEAN yang Bertanggungjawab bagi Penerangan (AMRI)",
        "fil": "AMRI",
        "vi": "Hội nghị Bộ trưởng Thông tin ASEAN (AMRI)",
        "th": "ที่ประชุมรัฐมนตรีอาเซียนที่รับผิดชอบด้านสารนิเทศ (AMRI)",
    },
}

# audience -> language -> who the work is for.
AUDIENCES: dict[str, dict[str, str]] = {
    "technical": {
        "id": "analis dan teknisi keamanan siber",
        "ms": "penganalisis dan jurutera keselamatan siber",
        "fil": "mga analyst at teknikal na tauhan sa cybersecurity",
        "vi": "cán bộ kỹ thuật an toàn thông tin",
        "th": "เจ้าหน้าที่เทคนิคด้านความมั่นคงปลอดภัยไซเบอร์",
    },
    "law_enforcement": {
        "id": "penyidik kepolisian",
        "ms": "pegawai penguat kuasa undang-undang",
        "fil": "mga imbestigador ng pulisya",
        "vi": "điều tra viên của lực lượng công an",
        "th": "เจ้าหน้าที่ตำรวจและพนักงานสอบสวน",
    },
    "judicial": {
        "id": "hakim dan jaksa",
        "ms": "hakim dan pendakwa raya",
        "fil": "mga hukom at piskal",
        "vi": "thẩm phán và kiểm sát viên",
        "th": "ผู้พิพากษาและพนักงานอัยการ",
    },
    "diplomatic": {
        "id": "diplomat kementerian luar negeri",
        "ms": "pegawai diplomatik Kementerian Luar Negeri",
        "fil": "mga diplomat ng Kagawaran ng Ugnayang Panlabas",
        "vi": "cán bộ ngoại giao",
        "th": "นักการทูตของกระทรวงการต่างประเทศ",
    },
    "policy": {
        "id": "pembuat kebijakan dan regulator",
        "ms": "penggubal dasar dan pengawal selia",
        "fil": "mga gumagawa ng patakaran at regulator",
        "vi": "cán bộ hoạch định chính sách và cơ quan quản lý",
        "th": "ผู้กำหนดนโยบายและหน่วยงานกำกับดูแล",
    },
    "ci_operator": {
        "id": "operator infrastruktur informasi vital",
        "ms": "pengendali infrastruktur maklumat kritikal negara",
        "fil": "mga operator ng kritikal na imprastruktura",
        "vi": "đơn vị vận hành hệ thống thông tin quan trọng",
        "th": "ผู้ให้บริการโครงสร้างพื้นฐานสำคัญทางสารสนเทศ",
    },
}

# language -> frames of (title, summary, activities); placeholders: subject, Subject (first
# letter upper), audience, Audience, states, city, body.
FRAMES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "id": (
        (
            "Pelatihan {subject}",
            "Kegiatan peningkatan kapasitas tentang {subject} bagi {audience} dari {states}.",
            "Lokakarya beberapa hari di {city}, praktik langsung, dan rencana tindak lanjut "
            "di tingkat nasional.",
        ),
        (
            "Lokakarya regional: {subject}",
            "{Audience} dari {states} memperdalam pemahaman mengenai {subject}, di bawah "
            "koordinasi {body}.",
            "Pertemuan di {city}; studi kasus; pendampingan setelah kegiatan berakhir.",
        ),
    ),
    "ms": (
        (
            "Bengkel {subject}",
            "Program pembinaan keupayaan berkaitan {subject} untuk {audience} dari {states}.",
            "Bengkel di {city}; latihan amali; pelan tindakan susulan bagi setiap negara.",
        ),
        (
            "Program serantau: {subject}",
            "{Audience} dari {states} meningkatkan kemahiran dalam {subject} dengan "
            "sokongan {body}.",
            "Sesi di {city}; kajian kes; bimbingan susulan selepas program.",
        ),
    ),
    "fil": (
        (
            "Pagsasanay sa {subject}",
            "Programa para sa {audience} mula sa {states} upang mapalakas ang kakayahan sa "
            "{subject}.",
            "Palihan sa {city}; mga praktikal na pagsasanay; plano ng pagpapatuloy sa bawat bansa.",
        ),
        (
            "Panrehiyong palihan tungkol sa {subject}",
            "Sama-samang pinag-aaralan ng {audience} mula sa {states} ang {subject}, sa "
            "ilalim ng {body}.",
            "Mga sesyon sa {city}; pag-aaral ng mga kaso; paggabay pagkatapos ng palihan.",
        ),
    ),
    "vi": (
        (
            "Tập huấn về {subject}",
            "Chương trình nâng cao năng lực về {subject} dành cho {audience} đến từ {states}.",
            "Hội thảo tại {city}; thực hành trực tiếp; kế hoạch triển khai tiếp theo ở mỗi nước.",
        ),
        (
            "Hội thảo khu vực: {subject}",
            "{Audience} đến từ {states} cùng trao đổi, nâng cao hiểu biết về {subject} dưới sự "
            "điều phối của {body}.",
            "Các phiên làm việc tại {city}; nghiên cứu tình huống; hỗ trợ sau hội thảo.",
        ),
    ),
    "th": (
        (
            "หลักสูตรฝึกอบรมเรื่อง{subject}",
            "โครงการเสริมสร้างขีดความสามารถด้าน{subject} สำหรับ{audience}จาก{states}",
            "การประชุมเชิงปฏิบัติการที่{city} การฝึกปฏิบัติจริง และแผนการดำเนินงานต่อเนื่องของแต่ละประเทศ",
        ),
        (
            "การประชุมเชิงปฏิบัติการระดับภูมิภาคว่าด้วย{subject}",
            "{audience}จาก{states} ร่วมกันพัฒนาความรู้ด้าน{subject} ภายใต้การประสานงานของ{body}",
            "การประชุมที่{city} กรณีศึกษา และการติดตามผลหลังการฝึกอบรม",
        ),
    ),
}
