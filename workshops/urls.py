from django.urls import path

from . import card_views, household_views, locale_views, views

app_name = "workshops"

urlpatterns = [
    path("ops/region/", views.region, name="region"),
    path("ops/region/centres/new/", views.center_new, name="center_new"),
    path("ops/region/centres/<int:service_center_id>/", views.center, name="center"),
    path("ops/region/centres/<int:service_center_id>/edit/", views.center_edit, name="center_edit"),
    path(
        "ops/region/centres/<int:service_center_id>/workshops/new/",
        views.workshop_new,
        name="workshop_new",
    ),
    path("ops/region/workshops/<int:workshop_id>/", views.workshop, name="workshop"),
    path("ops/region/workshops/<int:workshop_id>/edit/", views.workshop_edit, name="workshop_edit"),
    path(
        "ops/region/workshops/<int:workshop_id>/capacity/",
        views.workshop_capacity,
        name="workshop_capacity",
    ),
    path(
        "ops/region/workshops/<int:workshop_id>/skills/",
        views.workshop_skills,
        name="workshop_skills",
    ),
    path(
        "ops/region/workshops/<int:workshop_id>/status/",
        views.workshop_status,
        name="workshop_status",
    ),
    path("ops/region/workshops/<int:workshop_id>/lead/", views.workshop_lead, name="workshop_lead"),
    path(
        "ops/region/workshops/<int:workshop_id>/locale/",
        locale_views.workshop_locale,
        name="workshop_locale",
    ),
    path(
        "ops/region/households/<int:household_id>/locale/",
        locale_views.household_locale,
        name="household_locale",
    ),
    path(
        "ops/region/workshops/<int:workshop_id>/households/new/",
        views.household_new,
        name="household_new",
    ),
    path("ops/region/households/<int:household_id>/", views.household, name="household"),
    path(
        "ops/region/households/<int:household_id>/active/",
        views.household_active,
        name="household_active",
    ),
    path(
        "ops/region/households/<int:household_id>/erase/",
        household_views.household_erase_page,
        name="household_erase",
    ),
    path("workshop/households/", household_views.my_households, name="my_households"),
    path(
        "workshop/households/<int:household_id>/consent/",
        household_views.household_consent,
        name="household_consent",
    ),
    path(
        "workshops/<int:workshop_id>/households/import/",
        household_views.roster_upload,
        name="roster_upload",
    ),
    path(
        "workshops/households/import/template.xlsx",
        household_views.roster_template,
        name="roster_template",
    ),
    path(
        "workshops/households/import/<str:token>/",
        household_views.roster_preview,
        name="roster_preview",
    ),
    path("ops/skills/", views.skills, name="skills"),
    # household cards: the lead's own workshop, or any workshop for operators
    path("work/cards/", card_views.cards, name="cards"),
    path("work/cards/sheet.pdf", card_views.card_sheet, name="card_sheet"),
    path("work/cards/<int:household_id>/", card_views.card_reissue, name="card_reissue"),
    path("work/cards/<int:household_id>/card.pdf", card_views.card_one, name="card_one"),
    path("ops/region/workshops/<int:workshop_id>/cards/", card_views.cards, name="workshop_cards"),
    path(
        "ops/region/workshops/<int:workshop_id>/cards.pdf",
        card_views.card_sheet,
        name="workshop_card_sheet",
    ),
    path("ops/skills/<slug:skill_code>/", views.skill, name="skill"),
]
