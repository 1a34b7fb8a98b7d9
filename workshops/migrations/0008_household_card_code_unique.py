import django.db.models
from django.db import migrations

import workshops.models


class Migration(migrations.Migration):
    dependencies = [("workshops", "0007_household_cards_fill")]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="card_code",
            field=django.db.models.CharField(
                default=workshops.models.new_card_code,
                editable=False,
                max_length=9,
                unique=True,
                verbose_name="卡号",
            ),
        ),
    ]
