#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
// Plants in a light wind: a vertex moves by the square of its height above the plant's
// foot (extra.y) times its sway (extra.z), on a slow wave offset by the plant's seed (extra.x).
uniform mat4 p3d_ViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
uniform float u_wind;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec4 p3d_MultiTexCoord0;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;
out vec4 v_color;
out vec4 v_extra;

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
    gl_Position = p3d_ViewProjectionMatrix * world;
}
