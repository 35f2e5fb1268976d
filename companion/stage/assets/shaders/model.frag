#version 150
// Base colour (material x texture x vertex colour), a wrapped key light from the sun's
// direction and the sky's fill, then distance haze in the horizon's colour: the look's
// time, brightness and haze act on the scene as on the built-in environments.
uniform sampler2D p3d_Texture0;
uniform struct { vec4 baseColor; vec4 emission; } p3d_Material;
uniform vec3 u_sun_dir;
uniform vec3 u_light;
uniform vec3 u_ambient;
uniform vec3 u_horizon;
uniform float u_haze;
uniform float u_fog;
uniform float u_exposure;
uniform vec3 u_eye;
in vec3 v_world;
in vec3 v_normal;
in vec4 v_color;
in vec2 v_uv;
out vec4 o_color;

void main() {
    vec4 base = p3d_Material.baseColor * v_color * texture(p3d_Texture0, v_uv);
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    float key = max(0.0, dot(n, normalize(u_sun_dir)) * 0.6 + 0.4);   // wrapped: no black faces
    vec3 lit = base.rgb * (u_light * key + u_ambient * (0.6 + 0.4 * n.z)) + p3d_Material.emission.rgb;
    float dist = length(v_world - u_eye);
    float haze = 1.0 - exp(-dist * u_fog * u_haze);
    o_color = vec4(mix(lit, u_horizon, haze) * u_exposure, 1.0);
}
