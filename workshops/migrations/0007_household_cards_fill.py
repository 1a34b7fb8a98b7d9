# Every existing household gets a card code (workshops/cards.py), distinct from every other.

from django.db import migrations


def issue_cards(apps, schema_editor):
    from workshops import cards

    Household = apps.get_model("workshops", "Household")
    taken = set(Household.objects.exclude(card_code=None).values_list("card_code", flat=True))
    batch = []
    for household in Household.objects.filter(card_code=None).only("pk").iterator():
        code = cards.new_code()
        while code in taken:
            code = cards.new_code()
        taken.add(code)
        household.card_code = code
        batch.append(household)
        if len(batch) == 1000:
            Household.objects.bulk_update(batch, ["card_code"])
            batch = []
    Household.objects.bulk_update(batch, ["card_code"])


class Migration(migrations.Migration):
    dependencies = [("workshops", "0006_household_cards_and_consent")]

    operations = [migrations.RunPython(issue_cards, migrations.RunPython.noop)]
