#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Plants in a light wind: a vertex moves by the square of its height above the plant's
// foot (extra.y) times its sway (extra.z), on a slow wave offset by the plant's seed (extra.x).
// Their light changes slowly across a leaf or a tier, so it is worked out here, for the
// side facing the viewer and for the far side (v_front, v_back: plant.frag picks one).
uniform mat4 p3d_ViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
uniform float u_wind;
uniform float u_low_shade;  // how much the lowest parts sit in shade (a forest floor)
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;
out vec4 v_color;
out vec4 v_extra;
out vec3 v_front;
out vec3 v_back;

void main() {
    vec4 world = p3d_ModelMatrix * p3d_Vertex;
    float seed = p3d_MultiTexCoord0.x * 6.2832;
    float h = max(p3d_MultiTexCoord0.y, 0.0);
    float gust = 0.65 + 0.35 * sin(u_clock * 0.21 + world.x * 0.02 + world.y * 0.013);
    float bend = h * h * p3d_MultiTexCoord0.z * u_wind * gust;
    world.x += bend * sin(u_clock * 0.9 + seed + world.y * 0.05);
    world.y += bend * 0.5 * sin(u_clock * 0.67 + seed * 1.7);
    v_world = world.xyz;
    v_air = air_to(world.xyz);
    v_normal = mat3(p3d_ModelMatrix) * p3d_Normal;
    v_color = p3d_Color;
    v_extra = p3d_MultiTexCoord0;
    // light through the leaves when the sun is behind them (extra.w: how leafy), and the
    // lower parts in shade
    vec3 n = normalize(v_normal);
    vec3 view = normalize(world.xyz - u_eye);
    vec3 through = u_light * (pow4(max(dot(view, u_sun_dir), 0.0)) * p3d_MultiTexCoord0.w * 0.8);
    float shade = 1.0 - u_low_shade * (1.0 - smoothstep(0.0, 6.0, world.z));
    v_front = (light(n, 0.7) + through) * shade;
    // the far side of a blade, a fir's tier from below: a little shaded
    v_back = (light(vec3(-n.xy, n.z), 0.7) + through) * (shade * 0.78);
    gl_Position = p3d_ViewProjectionMatrix * world;
}
