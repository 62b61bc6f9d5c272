"""factory_boy factories for every model the tests create. Real GSO codes where they matter."""

import factory

from accounts.models import Role, StaffAssignment, User
from geography.models import Area, Commune, Province, Village


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "80"
    name = "Tây Ninh"
    division_type = Province.DivisionType.PROVINCE


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    division_type = Commune.DivisionType.XA
    province = factory.SubFactory(ProvinceFactory)
    area = factory.LazyAttribute(lambda o: Commune.default_area(o.division_type))


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Ấp {n}")
    kind = Village.Kind.AP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Thị Lan"
    last_name = "Nguyễn"
    role = Role.COMMUNE_OFFICER
    password = factory.django.Password("demo12345")

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        for commune in extracted or []:
            StaffAssignment.objects.create(user=self, commune=commune)

    @factory.post_generation
    def provinces(self, create, extracted, **kwargs):
        for province in extracted or []:
            StaffAssignment.objects.create(user=self, province=province)


__all__ = ["Area", "CommuneFactory", "ProvinceFactory", "UserFactory", "VillageFactory"]
