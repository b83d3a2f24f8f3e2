"""Every editable table, in one list: the API mounts them, importers and tests walk them."""

from muster.crud import Resource
from muster.guarantees.service import RESOURCES as GUARANTEES
from muster.procurement.service import RESOURCES as PROCUREMENT
from muster.reference.service import RESOURCES as REFERENCE
from muster.scenarios.mandate import RESOURCES as MANDATE
from muster.scenarios.service import RESOURCES as SCENARIOS
from muster.training.service import RESOURCES as TRAINING

ALL: tuple[Resource, ...] = REFERENCE + TRAINING + SCENARIOS + MANDATE + GUARANTEES + PROCUREMENT
BY_NAME: dict[str, Resource] = {r.name: r for r in ALL}
