"""The development part of the evaluation set: the tuning topics written in the member
states' languages that the tuning part lacks (Malay, Filipino, Khmer, Lao, Burmese), in
words and frames written for this part alone (nothing taken from the held-out part).

It is tuned on like the tuning part: it shows what the glossary misses in those languages
and in the scripts written without spaces, while the held-out part stays unread.
"""

LANGUAGES = ("ms", "fil", "km", "lo", "my")

# tuning topic key -> language -> how the subject is said.
SUBJECTS: dict[str, dict[str, str]] = {
    "incident-response": {
        "ms": "pengendalian insiden siber untuk pasukan tindak balas insiden keselamatan komputer",
        "fil": "pagtugon sa mga insidente para sa mga computer emergency response team",
        "km": "ការឆ្លើយតបឧប្បត្តិហេតុសម្រាប់ក្រុមឆ្លើយតបបន្ទាន់កុំព្យូទ័រ",
        "lo": "ການຮັບມືເຫດການສຳລັບທີມຮັບມືເຫດສຸກເສີນທາງຄອມພິວເຕີ",
        "my": "ကွန်ပျူတာအရေးပေါ်တုံ့ပြန်ရေးအဖွဲ့များအတွက် ဖြစ်စဉ်တုံ့ပြန်ရေး",
    },
    "digital-forensics": {
        "ms": "forensik digital dan bukti elektronik untuk pegawai penyiasat",
        "fil": "digital forensics at elektronikong ebidensya para sa mga imbestigador",
        "km": "កោសល្យវិច្ច័យឌីជីថល និងភស្តុតាងអេឡិចត្រូនិកសម្រាប់អ្នកស៊ើបអង្កេត",
        "lo": "ນິຕິວິທະຍາສາດດິຈິຕອນ ແລະ ຫຼັກຖານເອເລັກໂຕຣນິກສຳລັບເຈົ້າໜ້າທີ່ສືບສວນ",
        "my": "စုံစမ်းစစ်ဆေးသူများအတွက် ဒစ်ဂျစ်တယ်မှုခင်းဆေးပညာနှင့် အီလက်ထရွန်နစ်သက်သေအထောက်အထား",
    },
    "norms-diplomacy": {
        "ms": "norma tingkah laku negara yang bertanggungjawab untuk para diplomat",
        "fil": "mga pamantayan ng responsableng pag-uugali ng estado para sa mga diplomat",
        "km": "បទដ្ឋាននៃឥរិយាបថទទួលខុសត្រូវរបស់រដ្ឋសម្រាប់អ្នកការទូត",
        "lo": "ບັນທັດຖານພຶດຕິກຳທີ່ມີຄວາມຮັບຜິດຊອບຂອງລັດສຳລັບນັກການທູດ",
        "my": "သံတမန်များအတွက် တာဝန်ယူမှုရှိသော နိုင်ငံ့အပြုအမူစံနှုန်းများ",
    },
    "cii-energy": {
        "ms": "perlindungan infrastruktur maklumat kritikal sektor tenaga",
        "fil": "proteksyon ng kritikal na imprastruktura ng impormasyon sa sektor ng enerhiya",
        "km": "ការការពារហេដ្ឋារចនាសម្ព័ន្ធព័ត៌មានសំខាន់ៗក្នុងវិស័យថាមពល",
        "lo": "ການປົກປ້ອງໂຄງລ່າງພື້ນຖານຂໍ້ມູນຂ່າວສານທີ່ສຳຄັນຂະແໜງພະລັງງານ",
        "my": "စွမ်းအင်ကဏ္ဍ အရေးပါသော သတင်းအချက်အလက်အခြေခံအဆောက်အအုံ ကာကွယ်ရေး",
    },
    "cyber-exercise": {
        "ms": "latihan simulasi krisis siber dan penyelarasan insiden",
        "fil": "pagsasanay-simulasyon sa krisis at koordinasyon ng pagtugon sa insidente",
        "km": "លំហាត់សាកល្បងវិបត្តិ និងការសម្របសម្រួលការឆ្លើយតបឧប្បត្តិហេតុ",
        "lo": "ການຝຶກຊ້ອມສະຖານະການວິກິດ ແລະ ການປະສານງານຮັບມືເຫດການ",
        "my": "အကျပ်အတည်းဆိုင်ရာ လေ့ကျင့်ခန်းနှင့် ဖြစ်စဉ်တုံ့ပြန်ရေး ညှိနှိုင်းဆောင်ရွက်မှု",
    },
    "sme-hygiene": {
        "ms": "kebersihan siber untuk perusahaan kecil dan sederhana",
        "fil": "kalinisan sa cyber para sa maliliit at katamtamang negosyo",
        "km": "អនាម័យសន្តិសុខអ៊ីនធឺណិតសម្រាប់សហគ្រាសធុនតូច និងមធ្យម",
        "lo": "ສຸຂະອະນາໄມທາງໄຊເບີສຳລັບວິສາຫະກິດຂະໜາດນ້ອຍ ແລະ ກາງ",
        "my": "အသေးစားနှင့် အလတ်စားလုပ်ငန်းများအတွက် ဆိုက်ဘာသန့်ရှင်းရေး",
    },
    "women-in-cyber": {
        "ms": "kepimpinan dan kemahiran siber untuk wanita",
        "fil": "pamumuno at kasanayan sa cyber para sa kababaihan",
        "km": "ភាពជាអ្នកដឹកនាំ និងជំនាញសន្តិសុខអ៊ីនធឺណិតសម្រាប់ស្ត្រី",
        "lo": "ທັກສະ ແລະ ການເປັນຜູ້ນຳທາງໄຊເບີສຳລັບແມ່ຍິງ",
        "my": "အမျိုးသမီးများအတွက် ဆိုက်ဘာခေါင်းဆောင်မှုနှင့် ကျွမ်းကျင်မှု",
    },
    "points-of-contact": {
        "ms": "pusat hubungan dan langkah pembinaan keyakinan",
        "fil": "mga punto ng pakikipag-ugnayan at mga hakbang sa pagbuo ng tiwala",
        "km": "ចំណុចទំនាក់ទំនង និងវិធានការកសាងទំនុកចិត្ត",
        "lo": "ຈຸດຕິດຕໍ່ ແລະ ມາດຕະການສ້າງຄວາມເຊື່ອໝັ້ນ",
        "my": "ဆက်သွယ်ရေးဌာနများနှင့် ယုံကြည်မှုတည်ဆောက်ရေးအစီအမံများ",
    },
    "supply-chain": {
        "ms": "keselamatan rantaian bekalan perisian",
        "fil": "seguridad ng supply chain ng software",
        "km": "សន្តិសុខខ្សែសង្វាក់ផ្គត់ផ្គង់កម្មវិធី",
        "lo": "ຄວາມປອດໄພຂອງລະບົບຕ່ອງໂສ້ການສະໜອງຊອບແວ",
        "my": "ဆော့ဖ်ဝဲ ထောက်ပံ့ရေးကွင်းဆက် လုံခြုံရေး",
    },
    "cloud-standards": {
        "ms": "piawaian dan pensijilan keselamatan pengkomputeran awan",
        "fil": "mga pamantayan at sertipikasyon sa seguridad ng cloud computing",
        "km": "ស្តង់ដារ និងការបញ្ជាក់សុវត្ថិភាពក្លោដ",
        "lo": "ມາດຕະຖານ ແລະ ການຢັ້ງຢືນຄວາມປອດໄພຄລາວ",
        "my": "ကလောက်ဒ် လုံခြုံရေး စံချိန်စံညွှန်းများနှင့် အသိအမှတ်ပြုလက်မှတ်",
    },
}

# audience code -> language -> how the audience is said.
AUDIENCES: dict[str, dict[str, str]] = {
    "technical": {
        "ms": "juruanalisis dan kakitangan teknikal",
        "fil": "mga analista at teknikal na kawani",
        "km": "អ្នកវិភាគ និងបុគ្គលិកបច្ចេកទេស",
        "lo": "ນັກວິເຄາະ ແລະ ພະນັກງານວິຊາການ",
        "my": "နည်းပညာဝန်ထမ်းများနှင့် သုံးသပ်သူများ",
    },
    "law_enforcement": {
        "ms": "pegawai penyiasat polis",
        "fil": "mga imbestigador ng pulisya",
        "km": "មន្ត្រីស៊ើបអង្កេតប៉ូលិស",
        "lo": "ເຈົ້າໜ້າທີ່ສືບສວນຕຳຫຼວດ",
        "my": "ရဲစုံထောက်များ",
    },
    "judicial": {
        "ms": "pendakwa raya dan hakim",
        "fil": "mga piskal at hukom",
        "km": "ព្រះរាជអាជ្ញា និងចៅក្រម",
        "lo": "ໄອຍະການ ແລະ ຜູ້ພິພາກສາ",
        "my": "အစိုးရရှေ့နေများနှင့် တရားသူကြီးများ",
    },
    "diplomatic": {
        "ms": "diplomat kementerian luar negeri",
        "fil": "mga diplomat ng kagawaran ng ugnayang panlabas",
        "km": "អ្នកការទូតនៃក្រសួងការបរទេស",
        "lo": "ນັກການທູດກະຊວງການຕ່າງປະເທດ",
        "my": "နိုင်ငံခြားရေးဝန်ကြီးဌာန သံတမန်များ",
    },
    "policy": {
        "ms": "penggubal dasar",
        "fil": "mga gumagawa ng patakaran",
        "km": "អ្នកធ្វើគោលនយោបាយ",
        "lo": "ຜູ້ວາງນະໂຍບາຍ",
        "my": "မူဝါဒချမှတ်သူများ",
    },
    "ci_operator": {
        "ms": "pengendali infrastruktur kritikal",
        "fil": "mga operator ng kritikal na imprastruktura",
        "km": "ប្រតិបត្តិករហេដ្ឋារចនាសម្ព័ន្ធសំខាន់ៗ",
        "lo": "ຜູ້ປະກອບການໂຄງລ່າງພື້ນຖານທີ່ສຳຄັນ",
        "my": "အရေးပါသောအခြေခံအဆောက်အအုံ လုပ်ငန်းရှင်များ",
    },
}

# language -> (title, summary, activities) frames; {subject}, {audience}, {states}, {city}.
FRAMES: dict[str, tuple[str, str, str]] = {
    "ms": (
        "Kursus {subject}",
        "Program pembinaan kapasiti mengenai {subject} untuk {audience} dari {states}.",
        "Bengkel di {city}; latihan amali; bimbingan selepas kursus.",
    ),
    "fil": (
        "Pagsasanay sa {subject}",
        "Programa sa pagpapalakas ng kapasidad tungkol sa {subject} para sa {audience} "
        "mula sa {states}.",
        "Palihan sa {city}; aktwal na pagsasanay; paggabay pagkatapos ng kurso.",
    ),
    "km": (
        "វគ្គបណ្តុះបណ្តាលស្តីពី{subject}",
        "កម្មវិធីកសាងសមត្ថភាពស្តីពី{subject}សម្រាប់{audience}មកពី {states}។",
        "សិក្ខាសាលានៅ {city} ការអនុវត្តជាក់ស្តែង និងការណែនាំបន្ទាប់ពីវគ្គ",
    ),
    "lo": (
        "ການຝຶກອົບຮົມກ່ຽວກັບ{subject}",
        "ໂຄງການເສີມສ້າງຂີດຄວາມສາມາດດ້ານ{subject}ສຳລັບ{audience}ຈາກ {states}",
        "ກອງປະຊຸມສຳມະນາທີ່ {city} ພາກປະຕິບັດ ແລະ ການໃຫ້ຄຳປຶກສາຫຼັງການຝຶກອົບຮົມ",
    ),
    "my": (
        "{subject} သင်တန်း",
        "{states} မှ {audience} အတွက် {subject} ဆိုင်ရာ စွမ်းရည်မြှင့်တင်ရေး အစီအစဉ်",
        "{city} တွင် အလုပ်ရုံဆွေးနွေးပွဲ၊ လက်တွေ့လေ့ကျင့်ခြင်းနှင့် သင်တန်းပြီးနောက် လမ်းညွှန်မှု",
    ),
}
