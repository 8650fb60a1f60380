from django.db import migrations

TAGS = [
    ("elder_alone", "独居老人", 10),
    ("empty_nest", "空巢老人", 20),
    ("disability", "残疾人", 30),
    ("veteran", "退役军人", 40),
    ("party_member", "党员", 50),
    ("left_behind_child", "留守儿童", 60),
    ("volunteer", "志愿者", 70),
    ("key_care", "重点关注", 80),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("people", "Tag")
    for code, name, order in TAGS:
        Tag.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
