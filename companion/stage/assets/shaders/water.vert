#version 150
#define VERTEX_STAGE 1
#include "lib.glsl"
#include "shore.glsl"
// The sea's surface: swells rolling in, and what changes slowly across it (how much the
// ripples show with distance; the colours of the deep water, the sand below and the foam
// in this light).
uniform mat4 p3d_ViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
in vec4 p3d_Vertex;
out vec3 v_world;
out vec4 v_air;
out vec3 v_normal;
out float v_ripple;
out vec3 v_body;
out vec3 v_sand;
out vec3 v_foam;

void main() {
    vec3 p = (p3d_ModelMatrix * p3d_Vertex).xyz;
    vec3 s = swell(p.xy, length(p.xy - u_eye.xy));
    p.z += s.x;
    v_world = p;
    v_air = air_to(p);
    v_normal = normalize(vec3(-s.y, -s.z, 1.0));
    v_ripple = 0.11 * exp(-length(p - u_eye) * 0.01);
    v_body = vec3(0.07, 0.22, 0.26) * (u_ambient * 1.35 + u_light * 0.4);
    v_sand = vec3(0.80, 0.71, 0.56) * (u_ambient * 0.8 + u_light * 0.55) * vec3(0.72, 0.92, 0.93);
    v_foam = vec3(0.93, 0.94, 0.93) * (u_ambient * 0.7 + u_light * 0.55);
    gl_Position = p3d_ViewProjectionMatrix * vec4(p, 1.0);
}
