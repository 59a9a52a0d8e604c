"""The subject of each fresh held-out topic in member states' languages (see
:mod:`evaluation_fresh_languages`), written for the ``held_out_2`` part alone."""

# topic key -> language -> how the subject is said.
SUBJECTS: dict[str, dict[str, str]] = {
    "cert-maturity": {
        "id": "penilaian tingkat kematangan CSIRT nasional dengan model SIM3",
        "ms": "penilaian tahap kematangan pasukan CERT kebangsaan berdasarkan model SIM3",
        "fil": "pagtatasa sa antas ng kahusayan ng mga pambansang CERT gamit ang SIM3",
        "vi": "đánh giá mức độ trưởng thành của các đội CERT quốc gia theo mô hình SIM3",
        "th": "การประเมินระดับวุฒิภาวะของทีม CERT ระดับชาติตามแบบจำลอง SIM3",
    },
    "cert-cooperation-sop": {
        "id": "prosedur operasi standar kerja sama antar-CERT di ASEAN untuk insiden lintas batas",
        "ms": "prosedur operasi standard kerjasama antara CERT ASEAN bagi insiden rentas sempadan",
        "fil": (
            "mga pamantayang pamamaraan ng ugnayan ng mga CERT sa ASEAN para sa mga"
            " insidenteng tumatawid sa hangganan"
        ),
        "vi": "quy trình phối hợp chuẩn giữa các CERT ASEAN khi xử lý sự cố xuyên biên giới",
        "th": ("ขั้นตอนการปฏิบัติงานมาตรฐานในการประสานงานระหว่าง CERT ของอาเซียนเมื่อเกิดเหตุข้ามพรมแดน"),
    },
    "finance-csirt": {
        "id": "pembentukan CSIRT sektor keuangan dan ketahanan siber sistem pembayaran",
        "ms": "penubuhan CSIRT sektor kewangan dan daya tahan siber sistem pembayaran",
        "fil": (
            "pagtatatag ng CSIRT para sa sektor ng pananalapi at katatagan ng mga "
            "sistema ng pagbabayad"
        ),
        "vi": (
            "thành lập đội CSIRT ngành tài chính và tăng cường khả năng chống chịu "
            "của hệ thống thanh toán"
        ),
        "th": "การจัดตั้ง CSIRT ภาคการเงินและความยืดหยุ่นทางไซเบอร์ของระบบการชำระเงิน",
    },
    "health-sector": {
        "id": "keamanan siber rumah sakit dan sistem informasi kesehatan",
        "ms": "keselamatan siber hospital dan sistem maklumat kesihatan",
        "fil": "cybersecurity ng mga ospital at ng mga sistema ng impormasyong pangkalusugan",
        "vi": "an ninh mạng cho bệnh viện và hệ thống thông tin y tế",
        "th": "ความมั่นคงปลอดภัยไซเบอร์ของโรงพยาบาลและระบบสารสนเทศด้านสุขภาพ",
    },
    "telecom-5g": {
        "id": "keamanan jaringan 5G bagi regulator dan operator telekomunikasi",
        "ms": "keselamatan rangkaian 5G untuk pengawal selia dan pengendali telekomunikasi",
        "fil": "seguridad ng 5G network para sa mga regulator at operator ng telekomunikasyon",
        "vi": "bảo đảm an ninh mạng 5G cho cơ quan quản lý và doanh nghiệp viễn thông",
        "th": "ความมั่นคงปลอดภัยของโครงข่าย 5G สำหรับหน่วยงานกำกับดูแลและผู้ให้บริการโทรคมนาคม",
    },
    "maritime-ports": {
        "id": "keamanan siber pelabuhan dan sektor maritim",
        "ms": "keselamatan siber pelabuhan dan sektor maritim",
        "fil": "cybersecurity ng mga daungan at ng sektor pandagat",
        "vi": "an ninh mạng cho cảng biển và ngành hàng hải",
        "th": "ความมั่นคงปลอดภัยไซเบอร์ของท่าเรือและภาคการเดินเรือ",
    },
    "dns-routing": {
        "id": "keamanan routing internet dengan RPKI dan penerapan DNSSEC",
        "ms": "keselamatan penghalaan internet melalui RPKI dan pelaksanaan DNSSEC",
        "fil": "seguridad ng internet routing gamit ang RPKI at paglalapat ng DNSSEC",
        "vi": "bảo mật định tuyến Internet với RPKI và triển khai DNSSEC",
        "th": "ความปลอดภัยของการจัดเส้นทางอินเทอร์เน็ตด้วย RPKI และการใช้งาน DNSSEC",
    },
    "sensor-network": {
        "id": "jaringan sensor darknet untuk peringatan dini serangan siber",
        "ms": "rangkaian sensor darknet untuk amaran awal serangan siber",
        "fil": "network ng mga darknet sensor para sa maagang babala sa mga pag-atakeng siber",
        "vi": "mạng cảm biến darknet phục vụ cảnh báo sớm tấn công mạng",
        "th": "เครือข่ายเซนเซอร์ดาร์กเน็ตเพื่อการแจ้งเตือนภัยคุกคามไซเบอร์ล่วงหน้า",
    },
    "penetration-testing": {
        "id": "uji penetrasi terhadap layanan web pemerintah",
        "ms": "ujian penembusan ke atas perkhidmatan web kerajaan",
        "fil": "penetration testing ng mga web service ng pamahalaan",
        "vi": "kiểm thử xâm nhập các dịch vụ web của cơ quan nhà nước",
        "th": "การทดสอบเจาะระบบบริการเว็บของภาครัฐ",
    },
    "cyber-range": {
        "id": "pemanfaatan cyber range bersama untuk latihan praktik",
        "ms": "penggunaan cyber range bersama bagi latihan amali",
        "fil": "paggamit ng pinagsasaluhang cyber range para sa praktikal na pagsasanay",
        "vi": "sử dụng chung thao trường mạng (cyber range) để huấn luyện thực hành",
        "th": "การใช้สนามฝึกไซเบอร์ (cyber range) ร่วมกันเพื่อการฝึกภาคปฏิบัติ",
    },
    "child-exploitation-investigation": {
        "id": "penyidikan eksploitasi seksual anak secara daring",
        "ms": "penyiasatan eksploitasi seksual kanak-kanak dalam talian",
        "fil": "imbestigasyon ng online na sekswal na pagsasamantala sa mga bata",
        "vi": "điều tra tội phạm xâm hại tình dục trẻ em trên mạng",
        "th": "การสืบสวนการแสวงประโยชน์ทางเพศจากเด็กทางออนไลน์",
    },
    "ransomware-investigation": {
        "id": "penyidikan kasus ransomware dan pelacakan pembayaran tebusan",
        "ms": "penyiasatan kes perisian tebusan (ransomware) dan pengesanan bayaran wang tebusan",
        "fil": "imbestigasyon ng mga kaso ng ransomware at pagtunton sa mga ibinayad na ransom",
        "vi": "điều tra các vụ tấn công mã độc tống tiền và truy vết tiền chuộc",
        "th": "การสืบสวนคดีแรนซัมแวร์และการติดตามเส้นทางเงินค่าไถ่",
    },
    "cybercrime-24-7": {
        "id": "jaringan kontak 24/7 kejahatan siber dan permintaan pengamanan data",
        "ms": "rangkaian pegawai perhubungan 24/7 jenayah siber dan permintaan pemeliharaan data",
        "fil": (
            "24/7 na network ng mga contact sa cybercrime at mga kahilingan sa pag-iingat ng datos"
        ),
        "vi": "mạng lưới đầu mối liên lạc 24/7 về tội phạm mạng và yêu cầu bảo quản dữ liệu",
        "th": "เครือข่ายผู้ประสานงานด้านอาชญากรรมไซเบอร์ตลอด 24 ชั่วโมงและคำขอให้เก็บรักษาข้อมูล",
    },
    "darkweb-osint": {
        "id": "penyelidikan dark web dan intelijen sumber terbuka (OSINT)",
        "ms": "penyiasatan dark web dan perisikan sumber terbuka (OSINT)",
        "fil": "imbestigasyon sa dark web at open-source intelligence (OSINT)",
        "vi": "điều tra trên dark web và khai thác thông tin nguồn mở (OSINT)",
        "th": "การสืบสวนบนดาร์กเว็บและการข่าวกรองจากแหล่งเปิด (OSINT)",
    },
    "bec-fraud": {
        "id": "penanganan penipuan business email compromise (BEC) dan pemulihan dana korban",
        "ms": "penyiasatan penipuan kompromi e-mel perniagaan (BEC) dan pemulihan dana mangsa",
        "fil": "imbestigasyon ng business email compromise (BEC) at pagbawi ng ninakaw na pondo",
        "vi": "điều tra lừa đảo xâm nhập email doanh nghiệp (BEC) và thu hồi tiền bị chiếm đoạt",
        "th": "การสืบสวนการฉ้อโกงผ่านอีเมลธุรกิจ (BEC) และการติดตามเงินคืนให้ผู้เสียหาย",
    },
    "police-cyber-units": {
        "id": "pembentukan unit kejahatan siber di kepolisian",
        "ms": "penubuhan unit jenayah siber dalam pasukan polis",
        "fil": "pagbuo ng mga yunit laban sa cybercrime sa kapulisan",
        "vi": "thành lập đơn vị chuyên trách phòng chống tội phạm mạng trong lực lượng công an",
        "th": "การจัดตั้งหน่วยปราบปรามอาชญากรรมไซเบอร์ในองค์กรตำรวจ",
    },
    "norms-survey": {
        "id": (
            "survei nasional pelaksanaan norma PBB tentang perilaku negara yang "
            "bertanggung jawab di ruang siber"
        ),
        "ms": (
            "tinjauan kebangsaan pelaksanaan norma PBB mengenai tingkah laku negara"
            " yang bertanggungjawab di ruang siber"
        ),
        "fil": (
            "pambansang survey sa pagpapatupad ng mga pamantayan ng UN sa "
            "responsableng pag-uugali ng mga estado sa cyberspace"
        ),
        "vi": (
            "khảo sát quốc gia về việc thực hiện các chuẩn mực của Liên hợp quốc về"
            " hành vi có trách nhiệm của quốc gia trên không gian mạng"
        ),
        "th": (
            "การสำรวจระดับชาติเรื่องการปฏิบัติตามบรรทัดฐานของสหประชาชาติว่าด้วยพฤติ"
            "กรรมอันมีความรับผิดชอบของรัฐในไซเบอร์สเปซ"
        ),
    },
    "international-law-positions": {
        "id": "penyusunan posisi nasional tentang penerapan hukum internasional di ruang siber",
        "ms": (
            "penggubalan pendirian kebangsaan mengenai pemakaian undang-undang "
            "antarabangsa di ruang siber"
        ),
        "fil": (
            "pagbalangkas ng pambansang posisyon sa paglalapat ng internasyonal na "
            "batas sa cyberspace"
        ),
        "vi": "xây dựng lập trường quốc gia về việc áp dụng luật quốc tế trên không gian mạng",
        "th": "การจัดทำท่าทีของประเทศว่าด้วยการใช้กฎหมายระหว่างประเทศในไซเบอร์สเปซ",
    },
    "un-negotiations": {
        "id": "persiapan delegasi untuk perundingan keamanan TIK di PBB",
        "ms": (
            "persediaan delegasi bagi rundingan keselamatan ICT di Pertubuhan Bangsa-Bangsa Bersatu"
        ),
        "fil": (
            "paghahanda ng mga delegasyon para sa mga negosasyon sa UN tungkol sa seguridad ng ICT"
        ),
        "vi": "chuẩn bị cho các phái đoàn tham gia đàm phán về an ninh ICT tại Liên hợp quốc",
        "th": "การเตรียมคณะผู้แทนสำหรับการเจรจาด้านความมั่นคงของ ICT ที่สหประชาชาติ",
    },
    "arf-terminology": {
        "id": "penyusunan glosarium istilah keamanan TIK untuk langkah membangun kepercayaan",
        "ms": "penyediaan glosari istilah keselamatan ICT bagi langkah membina keyakinan",
        "fil": (
            "pagbuo ng glosaryo ng mga termino sa seguridad ng ICT para sa pagpapatibay ng tiwala"
        ),
        "vi": (
            "xây dựng bảng thuật ngữ chung về an ninh ICT phục vụ các biện pháp xây dựng lòng tin"
        ),
        "th": "การจัดทำอภิธานศัพท์ด้านความมั่นคงของ ICT เพื่อมาตรการสร้างความไว้เนื้อเชื่อใจ",
    },
    "cybercrime-convention": {
        "id": "ratifikasi dan implementasi Konvensi PBB tentang Kejahatan Siber",
        "ms": "ratifikasi dan pelaksanaan Konvensyen PBB mengenai Jenayah Siber",
        "fil": "ratipikasyon at pagpapatupad ng Kumbensiyon ng UN laban sa Cybercrime",
        "vi": "phê chuẩn và thực thi Công ước của Liên hợp quốc về chống tội phạm mạng",
        "th": "การให้สัตยาบันและการอนุวัติอนุสัญญาสหประชาชาติว่าด้วยอาชญากรรมไซเบอร์",
    },
    "data-protection": {
        "id": "pelindungan data pribadi dan aliran data lintas batas",
        "ms": "perlindungan data peribadi dan aliran data rentas sempadan",
        "fil": "proteksyon ng personal na datos at daloy ng datos sa pagitan ng mga bansa",
        "vi": "bảo vệ dữ liệu cá nhân và luồng dữ liệu xuyên biên giới",
        "th": "การคุ้มครองข้อมูลส่วนบุคคลและการโอนข้อมูลข้ามพรมแดน",
    },
    "cii-legislation": {
        "id": "penyusunan undang-undang pelindungan infrastruktur informasi vital",
        "ms": (
            "penggubalan undang-undang perlindungan infrastruktur maklumat kritikal negara (CNII)"
        ),
        "fil": (
            "pagbalangkas ng batas para sa proteksyon ng kritikal na imprastruktura ng impormasyon"
        ),
        "vi": "xây dựng pháp luật bảo vệ hệ thống thông tin quan trọng về an ninh quốc gia",
        "th": "การยกร่างกฎหมายคุ้มครองโครงสร้างพื้นฐานสำคัญทางสารสนเทศ (CII)",
    },
    "skills-framework": {
        "id": "kerangka kompetensi nasional tenaga kerja keamanan siber",
        "ms": "rangka kerja kemahiran keselamatan siber kebangsaan",
        "fil": "pambansang balangkas ng mga kasanayan sa cybersecurity",
        "vi": "khung năng lực quốc gia về nhân lực an toàn thông tin",
        "th": "กรอบสมรรถนะบุคลากรด้านความมั่นคงปลอดภัยไซเบอร์ระดับชาติ",
    },
    "university-curriculum": {
        "id": "kurikulum keamanan siber untuk perguruan tinggi",
        "ms": "kurikulum keselamatan siber untuk universiti",
        "fil": "kurikulum sa cybersecurity para sa mga unibersidad",
        "vi": "chương trình đào tạo an toàn thông tin cho các trường đại học",
        "th": "หลักสูตรความมั่นคงปลอดภัยไซเบอร์สำหรับมหาวิทยาลัย",
    },
    "student-ctf": {
        "id": "kompetisi capture the flag (CTF) keamanan siber untuk mahasiswa",
        "ms": "pertandingan capture the flag (CTF) keselamatan siber untuk pelajar",
        "fil": "paligsahang capture the flag (CTF) sa cybersecurity para sa mga estudyante",
        "vi": "cuộc thi an toàn thông tin dạng CTF dành cho sinh viên",
        "th": "การแข่งขันความมั่นคงปลอดภัยไซเบอร์แบบ CTF สำหรับนักศึกษา",
    },
    "scam-awareness-seniors": {
        "id": "kampanye kesadaran penipuan daring bagi warga lanjut usia",
        "ms": "kempen kesedaran penipuan dalam talian untuk warga emas",
        "fil": "kampanya ng kamalayan laban sa mga online scam para sa mga nakatatanda",
        "vi": "chiến dịch nâng cao nhận thức về lừa đảo trực tuyến cho người cao tuổi",
        "th": "การรณรงค์สร้างความตระหนักรู้เรื่องกลโกงออนไลน์สำหรับผู้สูงอายุ",
    },
    "media-literacy": {
        "id": "literasi media dan informasi untuk menangkal hoaks",
        "ms": "literasi media dan maklumat bagi menangani berita palsu",
        "fil": "media at information literacy laban sa pekeng balita",
        "vi": "kỹ năng thông tin và truyền thông để phòng chống tin giả",
        "th": "การรู้เท่าทันสื่อและสารสนเทศเพื่อรับมือข่าวปลอม",
    },
    "digital-identity": {
        "id": "keamanan identitas digital untuk layanan pemerintahan elektronik",
        "ms": "keselamatan identiti digital bagi perkhidmatan kerajaan elektronik",
        "fil": "seguridad ng digital ID para sa mga serbisyong e-government",
        "vi": "bảo đảm an toàn định danh điện tử cho dịch vụ chính phủ điện tử",
        "th": ("ความมั่นคงปลอดภัยของการพิสูจน์และยืนยันตัวตนทางดิจิทัลสำหรับบริการรัฐบาลอิเล็กทรอนิกส์"),
    },
    "iot-labelling": {
        "id": "skema label keamanan siber untuk perangkat IoT konsumen",
        "ms": "skim pelabelan keselamatan siber untuk peranti IoT pengguna",
        "fil": "sistema ng cybersecurity label para sa mga IoT device ng mga mamimili",
        "vi": "chương trình dán nhãn an ninh mạng cho thiết bị IoT tiêu dùng",
        "th": "โครงการฉลากความมั่นคงปลอดภัยไซเบอร์สำหรับอุปกรณ์ IoT ของผู้บริโภค",
    },
    "post-quantum": {
        "id": "migrasi ke kriptografi pascakuantum",
        "ms": "peralihan kepada kriptografi pasca-kuantum",
        "fil": "paglipat sa post-quantum cryptography",
        "vi": "chuyển đổi sang mật mã hậu lượng tử",
        "th": "การเปลี่ยนผ่านสู่วิทยาการเข้ารหัสลับหลังควอนตัม",
    },
    "ai-security": {
        "id": "keamanan sistem kecerdasan artifisial (AI)",
        "ms": "keselamatan sistem kecerdasan buatan (AI)",
        "fil": "seguridad ng mga sistemang artificial intelligence (AI)",
        "vi": "bảo đảm an ninh cho các hệ thống trí tuệ nhân tạo (AI)",
        "th": "ความมั่นคงปลอดภัยของระบบปัญญาประดิษฐ์ (AI)",
    },
}
