--- hfl.yaml_types: the value model's metatables and null sentinel as the C YAML core creates
--- them ({null=, map=, list=, float=, int=, order=, lines=}). hfl.value needs them and
--- hfl.yaml needs hfl.value, so they come through this module rather than through hfl.yaml.
return require("hfl.core").yaml.types
