#version 150
// Base colour (material x texture x vertex colour) under the light of model.vert (a
// wrapped key light from the sun's direction and the sky's fill), then distance haze in
// the horizon's colour: the look's time, brightness and haze act on the scene as on the
// built-in environments. TWO_SIDED: for faces drawn from both sides (a doubleSided material);
// without it the back face's light is never read, and the linker drops it (0.8 ms a frame
// of the benchmark's garden on llvmpipe).
uniform sampler2D p3d_Texture0;
uniform struct { vec4 baseColor; vec4 emission; } p3d_Material;
uniform vec3 u_horizon;
uniform float u_haze;
uniform float u_fog;
uniform float u_exposure;
in vec3 v_from_eye;
in vec3 v_light;
in vec3 v_light_back;
in vec4 v_color;
in vec2 v_uv;
out vec4 o_color;

void main() {
    vec4 base = p3d_Material.baseColor * v_color * texture(p3d_Texture0, v_uv);
#ifdef TWO_SIDED
    vec3 lit = base.rgb * (gl_FrontFacing ? v_light : v_light_back) + p3d_Material.emission.rgb;
#else
    vec3 lit = base.rgb * v_light + p3d_Material.emission.rgb;
#endif
    float haze = 1.0 - exp(-length(v_from_eye) * u_fog * u_haze);
    o_color = vec4(mix(lit, u_horizon, haze) * u_exposure, 1.0);
}
