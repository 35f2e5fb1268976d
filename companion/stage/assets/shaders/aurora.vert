#version 150
// Aurora curtains: strips high in the sky that fold and drift slowly. What changes only
// along a curtain (how it fades at its ends, its slow swell) is worked out here.
uniform mat4 p3d_ViewProjectionMatrix;
uniform float u_clock;
uniform float u_aurora;         // how visible (time of day)
uniform float u_exposure;
in vec4 p3d_Vertex;
in vec4 p3d_MultiTexCoord0;   // along 0..1, up 0..1, seed
out vec4 v_extra;
out float v_strength;

void main() {
    vec3 p = p3d_Vertex.xyz;
    float u = p3d_MultiTexCoord0.x;
    float seed = p3d_MultiTexCoord0.z;
    p.y += 45.0 * sin(u * 6.0 + u_clock * 0.10 + seed * 7.0) + 20.0 * sin(u * 15.0 - u_clock * 0.07);
    p.x += 18.0 * sin(u * 11.0 + u_clock * 0.08 + seed * 3.0);
    float ends = smoothstep(0.0, 0.18, u) * (1.0 - smoothstep(0.82, 1.0, u));
    float swell = 0.85 + 0.15 * sin(u_clock * 0.12 + seed * 5.0 + u * 3.0);
    v_strength = ends * swell * u_aurora * 0.5 * u_exposure;
    v_extra = p3d_MultiTexCoord0;
    gl_Position = p3d_ViewProjectionMatrix * vec4(p, 1.0);
}
