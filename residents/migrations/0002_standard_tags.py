"""The standard care and key-population categories (names are translated in the interface)."""

from django.db import migrations

STANDARD_TAGS = [
    # code, English name, kind, visit every (days)
    ("elderly-alone", "Elderly living alone", "care", 30),
    ("left-behind-minor", "Minor left behind", "care", 30),
    ("fraud-target", "Targeted by telecom fraud", "care", 14),
    ("disabled", "Person with a disability", "care", 60),
    ("mental-health", "Severe mental disorder under care", "care", 30),
    ("community-correction", "Under community correction", "key_population", None),
    ("released-prisoner", "Released from prison", "key_population", None),
    ("drug-user", "Registered drug user", "key_population", None),
    ("petitioner", "Frequent petitioner", "key_population", None),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("residents", "Tag")
    for code, name, kind, days in STANDARD_TAGS:
        Tag.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "visit_every_days": days}
        )


def remove_tags(apps, schema_editor):
    Tag = apps.get_model("residents", "Tag")
    Tag.objects.filter(code__in=[row[0] for row in STANDARD_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunPython(add_tags, remove_tags)]
