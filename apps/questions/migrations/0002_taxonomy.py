"""The taxonomy of the USMLE content outline, as data; admins may extend it."""

from django.db import migrations

EXAMS = [("step1", "Step 1"), ("step2ck", "Step 2 CK"), ("step3", "Step 3")]

BASIC_DISCIPLINES = [
    ("anatomy", "Anatomy"),
    ("behavioral-science", "Behavioral science"),
    ("biochemistry", "Biochemistry"),
    ("biostatistics-epidemiology", "Biostatistics & epidemiology"),
    ("genetics", "Genetics"),
    ("histology-cell-biology", "Histology & cell biology"),
    ("immunology", "Immunology"),
    ("microbiology", "Microbiology"),
    ("pathology", "Pathology"),
    ("pharmacology", "Pharmacology"),
    ("physiology", "Physiology"),
]

CLINICAL_DISCIPLINES = [
    ("medicine", "Medicine"),
    ("surgery", "Surgery"),
    ("pediatrics", "Pediatrics"),
    ("obstetrics-gynecology", "Obstetrics & gynecology"),
    ("psychiatry", "Psychiatry"),
    ("neurology", "Neurology"),
    ("emergency-medicine", "Emergency medicine"),
    ("preventive-medicine", "Preventive medicine"),
]

SYSTEMS = [
    ("general-principles", "General principles"),
    ("blood-lymphoreticular", "Blood & lymphoreticular"),
    ("immune", "Immune"),
    ("behavioral-health", "Behavioral health"),
    ("nervous-system-special-senses", "Nervous system & special senses"),
    ("skin", "Skin"),
    ("musculoskeletal", "Musculoskeletal"),
    ("cardiovascular", "Cardiovascular"),
    ("respiratory", "Respiratory"),
    ("renal-urinary", "Renal & urinary"),
    ("reproductive", "Reproductive (female, male, pregnancy)"),
    ("endocrine", "Endocrine"),
    ("gastrointestinal", "Gastrointestinal"),
    ("multisystem", "Multisystem"),
    ("biostatistics-epidemiology", "Biostatistics & epidemiology"),
    ("social-sciences", "Social sciences"),
]


def load(apps, schema_editor):
    Exam = apps.get_model("questions", "Exam")
    Discipline = apps.get_model("questions", "Discipline")
    System = apps.get_model("questions", "System")
    for order, (code, name) in enumerate(EXAMS):
        Exam.objects.update_or_create(code=code, defaults={"name": name, "order": order})
    disciplines = [(d, "basic") for d in BASIC_DISCIPLINES] + [
        (d, "clinical") for d in CLINICAL_DISCIPLINES
    ]
    for order, ((code, name), kind) in enumerate(disciplines):
        Discipline.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "order": order}
        )
    for order, (code, name) in enumerate(SYSTEMS):
        System.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("questions", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
